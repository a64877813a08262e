"""The Chinese edition of the shared modules and the grader (issue 21): with CONVLAB_LANG=zh_CN
the messages a student reads (test failures, argument errors, widgets, figures, review lines,
`make check`) are Chinese, keep every number, name and machine-read line, and the grader still
reads them; without it, everything stays English."""
import json
import logging
import re
import warnings

import numpy as np
import pytest

import nbharness as h
from autograder import misconceptions, selfcheck, translations
from autograder.results import CellResult, GradeResult
from convlab import i18n, testing, validate
from convlab.testing import mistake

CJK = re.compile(r"[\u4e00-\u9fff]")
CHAPTER = "02_stride_padding"
# a chapter-2 mistake whose test message names it (tests/mutants_02_stride_padding.MESSAGES)
MUTANT = "size: dilation ignored"
MUTANT_TEST = "test_conv_output_size_example"
MUTANT_ID = "conv_output_size.dilation_ignored"


@pytest.fixture
def zh(monkeypatch):
    monkeypatch.setenv("CONVLAB_LANG", "zh_CN")
    i18n.catalogue.cache_clear()
    yield
    i18n.catalogue.cache_clear()


@pytest.fixture
def en(monkeypatch):
    monkeypatch.setenv("CONVLAB_LANG", "en")


def _doubled_failure():
    rng = np.random.default_rng(3)
    expected = rng.normal(size=(2, 3))
    wrong = 2 * expected
    explanation = mistake("demo.doubled", "the result is doubled.")
    with pytest.raises(AssertionError) as info:
        testing.assert_allclose(wrong, expected, "f(x (2, 3))",
                                mistakes=[(explanation, lambda: 2 * expected)])
    return str(info.value), wrong, expected


def _largest_difference(wrong, expected):
    idx = np.unravel_index(np.argmax(np.abs(wrong - expected)), wrong.shape)
    return tuple(int(i) for i in idx), f"{wrong[idx]:.6g}", f"{expected[idx]:.6g}"


def test_assert_allclose_failure_in_chinese_keeps_numbers_and_mistake_line(zh):
    message, wrong, expected = _doubled_failure()
    index, you, oracle = _largest_difference(wrong, expected)
    assert CJK.search(message.split("\n")[0]), message
    for part in ("f(x (2, 3))", "TensorFlow", str(index), you, oracle, "6"):
        assert part in message, (part, message)
    assert "values differ" not in message and "Likely cause" not in message
    assert message.splitlines()[-1] == "[mistake: demo.doubled]"


def test_assert_allclose_failure_stays_english_by_default(en):
    message, wrong, expected = _doubled_failure()
    index, you, oracle = _largest_difference(wrong, expected)
    assert message.startswith(f"f(x (2, 3)): 6 of 6 values differ from TensorFlow; the largest "
                              f"difference is at index {index}: you return {you}, TensorFlow "
                              f"gives {oracle}")
    assert "\nLikely cause: the result is doubled.\n[mistake: demo.doubled]" in message
    assert not CJK.search(message)


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_the_grader_reads_the_likely_cause_in_both_editions(monkeypatch, lang):
    monkeypatch.setenv("CONVLAB_LANG", lang)
    i18n.catalogue.cache_clear()
    message = "AssertionError: " + _doubled_failure()[0]
    found = misconceptions.diagnoses(message)
    assert [d.mistake_id for d in found] == ["demo.doubled"]
    # the explanation as the student read it (an English text: no catalogue translates it)
    assert found[0].explanation == "the result is doubled."


def test_the_chinese_likely_cause_label_is_the_one_the_grader_reads(zh):
    shown = i18n.gettext(testing.LIKELY_CAUSE)
    assert shown != testing.LIKELY_CAUSE and CJK.search(shown)
    assert shown.startswith(misconceptions.LIKELY_CAUSE_LABELS[1]), shown
    assert testing.LIKELY_CAUSE.startswith(misconceptions.LIKELY_CAUSE_LABELS[0])


def test_int_and_value_error_checks_in_chinese(zh):
    with pytest.raises(AssertionError) as info:
        testing.assert_int_equal(7, 9, "conv_output_size(5, 3)")
    assert "conv_output_size(5, 3)" in str(info.value) and "7" in str(info.value)
    assert "9" in str(info.value) and "Keras" in str(info.value) and CJK.search(str(info.value))

    def accepts_everything(x):
        return x

    with pytest.raises(AssertionError) as info:
        testing.assert_raises_value_error(accepts_everything, -1, mentions="x")
    assert str(info.value).startswith("accepts_everything(-1)") and "ValueError" in str(info.value)
    assert CJK.search(str(info.value))

    def not_yet():
        raise NotImplementedError()

    with pytest.raises(AssertionError) as info:
        testing.call(not_yet)
    assert "`raise NotImplementedError()`" in str(info.value) and CJK.search(str(info.value))


def test_a_crash_names_the_students_line_in_chinese(zh):
    def student(x):
        y = x / 0
        return y

    with pytest.raises(AssertionError) as info:
        testing.call(student, 1)
    text = str(info.value)
    assert "ZeroDivisionError" in text and "student" in text and "`y = x / 0`" in text
    assert CJK.search(text), text


@pytest.mark.parametrize("check, name", [
    (lambda: validate.array("text", "images", ndim=4, layout="(N, H, W, C)"), "images"),
    (lambda: validate.array(np.zeros((2, 3)), "filters", ndim=4), "filters"),
    (lambda: validate.positive_int(0, "stride"), "stride"),
    (lambda: validate.nonnegative_int(2.5, "padding"), "padding"),
    (lambda: validate.callable_or_none(3, "conv_fn"), "conv_fn"),
])
def test_validate_errors_in_chinese_name_the_argument(zh, check, name):
    with pytest.raises(ValueError) as info:
        check()
    assert name in str(info.value) and CJK.search(str(info.value)), str(info.value)


def test_validate_errors_stay_english_by_default(en):
    with pytest.raises(ValueError, match=r"^filters must be a 4-D array; got a 2-D array of "
                                         r"shape \(2, 3\)$"):
        validate.array(np.zeros((2, 3)), "filters", ndim=4)
    with pytest.raises(ValueError, match=r"^stride must be a positive integer; got 0$"):
        validate.positive_int(0, "stride")


def test_widget_words_in_chinese(zh):
    from convlab import studentfn
    from convlab.widgets.base import failed
    from convlab.widgets.canvas import BROWSER_TEXTS, StepCanvas
    from convlab.widgets.predict import Question, judge

    canvas = StepCanvas()
    assert set(canvas.texts) == set(BROWSER_TEXTS)
    assert all(CJK.search(text) for text in canvas.texts.values()), canvas.texts
    assert "{right}" in canvas.texts["score"] and "{asked}" in canvas.texts["score"]
    verdict = judge(Question("q", "out[0, 0]?", 2.5, student=1.0), "2.5")
    assert verdict.right and "2.5" in verdict.html and "1" in verdict.html
    assert CJK.search(verdict.html) and "Right" not in verdict.html
    unread = judge(Question("q", "out[0, 0]?", 2.5), "many")
    assert unread.right is None and "many" in unread.html and CJK.search(unread.html)
    assert CJK.search(failed("boom")) and "boom" in failed("boom")
    run = studentfn.call_array(lambda: [1.0, 2.0], "f()", (3,))
    assert "f()" in run.error and "(3,)" in run.error and CJK.search(run.error)


def test_widget_words_stay_english_by_default(en):
    from convlab.widgets.canvas import BROWSER_TEXTS, StepCanvas

    assert StepCanvas().texts == BROWSER_TEXTS


def test_the_browser_has_no_english_words_of_its_own():
    """stepcanvas.js shows the words Python sends (StepCanvas.texts), none of its own."""
    from convlab.widgets.canvas import BROWSER_TEXTS, STATIC

    js = (STATIC / "stepcanvas.js").read_text(encoding="utf-8")
    for key in BROWSER_TEXTS:
        assert f'text("{key}")' in js, key
    own = re.sub(r'text\("\w+"\)', "", js)           # what it shows besides Python's words
    for english in BROWSER_TEXTS.values():
        head = english.split("{")[0]
        assert f'"{english}"' not in own and f"`{head}" not in own, english


def _draw_without_warnings(fig, caplog):
    from convlab import figures

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with caplog.at_level(logging.WARNING, logger="matplotlib"):
            png = figures.to_png(fig)
    assert not [r for r in caplog.records if r.name.startswith("matplotlib")], caplog.text
    return png


def test_figures_draw_chinese_with_a_cjk_font_and_no_warning(zh, caplog, capfd):
    import matplotlib
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    from convlab import figures

    assert figures.cjk_font(), ("no CJK font for matplotlib: install fonts-wqy-microhei (or "
                                "fonts-noto-cjk)")
    # as the chapters' figure builders do before they make text (a Text takes its font family
    # when it is created; an English test run earlier in this process may have removed the CJK one)
    figures.use_language_fonts()
    fig = Figure(figsize=(3, 2))
    ax = fig.subplots()
    ax.set_title("卷积核 3x3")
    ax.set_xlabel("步幅 s = 2")
    _draw_without_warnings(fig, caplog)
    family = list(matplotlib.rcParams["font.family"])
    assert family[-1] == figures.cjk_font() and family[0] == "sans-serif"
    fonts = font_manager.fontManager._find_fonts_by_props(
        font_manager.FontProperties(family=family))
    has_glyph = [font_manager.get_font(f).get_char_index(ord("卷")) != 0 for f in fonts]
    assert any(has_glyph) and not has_glyph[0], fonts     # Latin in the usual font, CJK after
    assert capfd.readouterr().err == ""


def test_figures_in_english_use_no_cjk_font(en, caplog):
    import matplotlib
    from matplotlib.figure import Figure

    from convlab import figures

    fig = Figure(figsize=(3, 2))
    fig.subplots().set_title("kernel 3x3")
    _draw_without_warnings(fig, caplog)
    assert not set(matplotlib.rcParams["font.family"]) & set(figures.CJK_FONTS)


def test_sample_and_kernel_names_in_chinese(zh):
    from convlab import data, kernels

    labels = dict((name, label) for label, name in kernels.choices())
    assert list(labels) == list(kernels.CLASSIC) and all(map(CJK.search, labels.values()))
    assert "Sobel x" in labels["vertical edge (Sobel x)"]
    assert [name for _, name in data.choices()] == list(data.NAMES)
    grid = data.sample_image("grid")
    assert "7x7" in grid.title and CJK.search(grid.title)


def _mutant_message(lang, monkeypatch):
    """The message chapter 2's test cell shows for a mutant, graded in-process in ``lang``."""
    from mutants_02_stride_padding import MUTANTS

    monkeypatch.setenv("CONVLAB_LANG", lang)
    i18n.catalogue.cache_clear()
    verdicts = h.grade_in_process(CHAPTER, replace=MUTANTS[MUTANT],
                                  stop=lambda v: v.grade_id == MUTANT_TEST)
    return verdicts[MUTANT_TEST].message


def _heading_of_section(nb, english_heading):
    """The "## ..." heading of the cell that holds ``english_heading`` in the English source,
    as ``nb`` (the same cells, maybe translated) writes it."""
    source = h.source_notebook(CHAPTER)
    for english, cell in zip(source.cells, nb["cells"]):
        if english.cell_type == "markdown" and f"## {english_heading}" in english.source:
            return misconceptions.HEADING.findall("".join(cell["source"]))[0]
    raise AssertionError(english_heading)


def test_a_chinese_failure_is_diagnosed_and_gets_a_chinese_review_line(monkeypatch):
    source_path = h.REPO / "solutions" / CHAPTER / f"{CHAPTER}.ipynb"
    english = _mutant_message("en", monkeypatch)
    chinese = _mutant_message("zh_CN", monkeypatch)
    assert f"[mistake: {MUTANT_ID}]" in english and f"[mistake: {MUTANT_ID}]" in chinese
    assert "Likely cause: " in english and misconceptions.LIKELY_CAUSE_LABELS[1] in chinese
    for message in (english, chinese):
        found = misconceptions.diagnoses(message)
        assert [d.mistake_id for d in found] == [MUTANT_ID] and found[0].explanation

    english_section = misconceptions.section_of(source_path, CHAPTER, MUTANT_ID)
    review = misconceptions.with_review_lines(chinese, CHAPTER, source_path).splitlines()[-1]
    # the section as the Chinese edition of the notebook titles it (built from the PO file)
    chinese_nb = translations.build_notebook(json.loads(source_path.read_text(encoding="utf-8")),
                                             CHAPTER)
    assert review == f"需要复习：第 2 章 {_heading_of_section(chinese_nb, english_section)}"

    monkeypatch.setenv("CONVLAB_LANG", "en")
    review = misconceptions.with_review_lines(english, CHAPTER, source_path).splitlines()[-1]
    assert review == f"What to review: chapter 2, section {english_section}"


def _result():
    return GradeResult(CHAPTER, "self", score=3.0, max_score=5.0, seconds=12.34,
                       cells=[CellResult("test_conv_output_size_example", 0.0, 2.0,
                                         "AssertionError: boom\nline two"),
                              CellResult("test_same_padding", 3.0, 3.0),
                              CellResult("test_bonus_thing", 1.0, 0.0, bonus=2.0)],
                       bonus=1.0, bonus_max=2.0)


def test_selfcheck_prints_english_as_before(en):
    import io

    out = io.StringIO()
    selfcheck.print_result(_result(), out)
    lines = out.getvalue().splitlines()
    assert lines[1] == (f"{CHAPTER} for self: graded with the visible and the hidden tests "
                        f"(12.3 s)")
    assert lines[2].split() == ["FAIL", "test_conv_output_size_example", "0", "/", "2"]
    assert lines[3].strip() == "AssertionError: boom" and lines[4].strip() == "line two"
    assert lines[6].split() == ["--", "test_bonus_thing", "+1", "of", "2", "bonus"]
    assert lines[7].split() == ["total", "3", "/", "5", "(+1", "of", "2", "bonus)"]


def test_selfcheck_prints_a_chinese_notebooks_result_in_chinese(en, tmp_path):
    import io

    zh_nb = translations.build_notebook(
        json.loads((h.REPO / "solutions" / CHAPTER / f"{CHAPTER}.ipynb").read_text("utf-8")),
        CHAPTER)
    path = tmp_path / f"{CHAPTER}.ipynb"
    path.write_text(json.dumps(zh_nb), encoding="utf-8")
    assert selfcheck.language_of(path) == "zh_CN"
    assert selfcheck.language_of(h.REPO / "solutions" / CHAPTER / f"{CHAPTER}.ipynb") == "en"
    out = io.StringIO()
    selfcheck.print_result(_result(), out, lang=selfcheck.language_of(path))
    lines = out.getvalue().splitlines()
    assert CJK.search(lines[1]) and CHAPTER in lines[1] and "12.3" in lines[1]
    assert lines[2].split()[:2] == ["FAIL", "test_conv_output_size_example"]
    assert CJK.search(lines[6]) and CJK.search(lines[7]) and "3 / 5" in lines[7]
    assert i18n.language() == "en"                      # print_result restores the language


def _rejects_in_chinese(x, channels=3):
    raise ValueError("通道数必须是正整数")


def test_a_value_error_in_chinese_may_name_the_chinese_term(zh):
    testing.assert_raises_value_error(_rejects_in_chinese, 1, mentions="channel")
    with pytest.raises(AssertionError, match="'stride'"):
        testing.assert_raises_value_error(_rejects_in_chinese, 1, mentions="stride")


def test_the_english_edition_asks_for_the_english_word(en):
    with pytest.raises(AssertionError, match=r"should name 'channel' so the caller"):
        testing.assert_raises_value_error(_rejects_in_chinese, 1, mentions="channel")
