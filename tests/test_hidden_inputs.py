"""Secret hidden inputs (issue 16): a course secret makes the hidden tests draw other inputs; the
reference solution keeps full marks either way; the secret never reaches student code."""
import numpy as np
import pytest

import nbharness as h
from autograder import hidden, nbgrader_run
from autograder.paths import REPO
from autograder.recheck import verify
from convlab import testing


@pytest.fixture
def no_secret(monkeypatch, tmp_path):
    for name in (hidden.SECRET_ENV, hidden.SECRET_FILE_ENV, hidden.KEY_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))          # no ~/.config/convlab/secret
    return tmp_path


def draws(seed=2002):
    return testing.hidden_rng(seed).standard_normal(5)


def test_public_seeds_without_a_secret(no_secret):
    assert hidden.chapter_key("01_filter_sliding") == ""
    assert "public seeds" in hidden.status_line()
    assert testing.hidden_seed(2002) == 2002
    np.testing.assert_array_equal(draws(), np.random.default_rng(2002).standard_normal(5))


def test_a_secret_gives_a_key_per_chapter_and_other_inputs(no_secret, monkeypatch):
    monkeypatch.setenv(hidden.SECRET_ENV, "correct horse battery staple")
    k1, k2 = hidden.chapter_key("01_filter_sliding"), hidden.chapter_key("02_stride_padding")
    assert len(k1) == 64 and k1 != k2 and "correct horse" not in k1
    assert "$CONVLAB_SECRET" in hidden.status_line()
    with testing.use_hidden_key(k1):
        first, again = draws(), draws()
        assert testing.hidden_seed(2002) != 2002
    with testing.use_hidden_key(k2):
        other_chapter = draws()
    np.testing.assert_array_equal(first, again)           # reproducible: re-grading gives the same
    assert not np.allclose(first, np.random.default_rng(2002).standard_normal(5))
    assert not np.allclose(first, other_chapter)


def test_the_secret_file(no_secret, monkeypatch):
    default = no_secret / ".config" / "convlab" / "secret"
    default.parent.mkdir(parents=True)
    default.write_text("from the default file\n")
    from_default = hidden.chapter_key("03_pooling_flatten")
    assert from_default and str(default) in hidden.status_line()
    named = no_secret / "elsewhere"
    named.write_text("another secret")
    monkeypatch.setenv(hidden.SECRET_FILE_ENV, str(named))
    assert hidden.chapter_key("03_pooling_flatten") not in ("", from_default)
    monkeypatch.setenv(hidden.SECRET_FILE_ENV, str(no_secret / "missing"))
    with pytest.raises(RuntimeError, match="cannot be read"):
        hidden.chapter_key("03_pooling_flatten")


def test_student_code_never_gets_the_secret(no_secret, monkeypatch):
    """nbgrader's children (whose kernels run student code) get neither the secret nor its file;
    only autograde adds the chapter's key, and the isolated kernel keeps exactly that variable."""
    monkeypatch.setenv(hidden.SECRET_ENV, "s3cret")
    monkeypatch.setenv(hidden.SECRET_FILE_ENV, "/somewhere/secret")
    monkeypatch.setenv(hidden.KEY_ENV, "a stale key")
    env = nbgrader_run.child_env()
    assert not {hidden.SECRET_ENV, hidden.SECRET_FILE_ENV, hidden.KEY_ENV} & set(env)
    from autograder import isolation
    assert hidden.KEY_ENV in isolation.KERNEL_PASSED_ENV
    assert testing.HIDDEN_KEY_ENV == hidden.KEY_ENV


def test_the_hidden_tests_use_the_helper():
    """No hidden test of any chapter draws from a fixed public seed of its own."""
    from autograder import cells
    for chapter in h.chapters():
        for cell in cells.test_cells(h.source_notebook(chapter)):
            for line in cells.hidden_lines(cell.source):
                assert "np.random.default_rng(" not in line, (chapter, cells.grade_id(cell), line)


@pytest.mark.parametrize("chapter", ["01_filter_sliding", "05_conv_variants"])
def test_reference_keeps_full_marks_with_and_without_a_secret(chapter, no_secret, monkeypatch):
    """In-process (as in nbgrader's kernel, the key in the environment) and in the re-check (the
    key set by verify from the secret): full marks both ways."""
    source = REPO / "solutions" / chapter / f"{chapter}.ipynb"
    for secret in ("", "a course secret"):
        if secret:
            monkeypatch.setenv(hidden.SECRET_ENV, secret)
            monkeypatch.setenv(hidden.KEY_ENV, hidden.chapter_key(chapter))
        verdicts = h.grade_in_process(chapter, run_other_cells=False)
        failed = {g: v.message for g, v in verdicts.items() if not v.passed}
        assert not failed, (bool(secret), failed)
        rechecked = verify(source, source)
        failed = {g: v.message for g, v in rechecked.items() if not v.passed}
        assert not failed, (bool(secret), failed)
