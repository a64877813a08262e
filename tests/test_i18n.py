"""The Chinese edition (issue 21): one source, every string translated and current, the same
grading in both languages.

- catalogues: every markdown cell and every user-facing string of each domain has a current
  translation that keeps numbers, code, formulas, links and format fields; the compiled .mo files
  are what the PO files compile to; the glossary's terms are used;
- course/zh_CN/: generated (no drift), the same cells, ids, metadata and code as course/;
- the Chinese notebooks run with every test passing and Chinese output; a wrong implementation
  loses the same points in both editions with Chinese messages in the Chinese one;
- the language a kernel speaks: CONVLAB_LANG, else its notebook's metadata.
"""
from __future__ import annotations

import json
import re

import pytest

import nbharness as h
from autograder import translations
from convlab import articles, i18n

CHAPTERS = h.chapters()
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def chinese(monkeypatch):
    monkeypatch.setenv("CONVLAB_LANG", "zh_CN")
    yield


# ----------------------------------------------------------------------------- the language

@pytest.mark.parametrize("value, expected", [
    ("zh_CN", "zh_CN"), ("zh-CN", "zh_CN"), ("zh_CN.UTF-8", "zh_CN"), ("zh", "zh_CN"),
    ("en", "en"), ("en_US.UTF-8", "en"), ("C.UTF-8", "en"), ("", None), (None, None)])
def test_language_names_are_normalized(value, expected):
    assert i18n.normalize(value) == expected


def test_the_kernel_speaks_its_notebooks_language(tmp_path, monkeypatch):
    monkeypatch.delenv("CONVLAB_LANG", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    zh = tmp_path / "zh.ipynb"
    zh.write_text(json.dumps({"cells": [], "metadata": {"convlab": {"language": "zh_CN"}}}))
    en = tmp_path / "en.ipynb"
    en.write_text(json.dumps({"cells": [], "metadata": {}}))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JPY_SESSION_NAME", str(zh))
    assert i18n.language() == "zh_CN"
    monkeypatch.setenv("JPY_SESSION_NAME", "en.ipynb")       # relative: the kernel's folder
    assert i18n.language() == "en"
    monkeypatch.setenv("CONVLAB_LANG", "en")                 # the variable wins
    monkeypatch.setenv("JPY_SESSION_NAME", str(zh))
    assert i18n.language() == "en"


def test_a_kernel_of_plain_nbgrader_reads_the_one_notebook_it_grades(tmp_path, monkeypatch):
    monkeypatch.delenv("CONVLAB_LANG", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    (tmp_path / "01_filter_sliding.ipynb").write_text(
        json.dumps({"cells": [], "metadata": {"convlab": {"language": "zh_CN"}}}))
    monkeypatch.chdir(tmp_path)
    assert i18n.language() == "en"                            # not under nbgrader: English
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert i18n.language() == "zh_CN"


def test_gettext_translates_only_in_chinese(monkeypatch):
    english = "conv2d_single: worked example OK"
    monkeypatch.setenv("CONVLAB_LANG", "en")
    assert i18n.gettext(english) == english
    monkeypatch.setenv("CONVLAB_LANG", "zh_CN")
    translated = i18n.gettext(english)
    assert translated != english and CJK.search(translated), translated
    assert i18n.gettext("a sentence no catalogue has") == "a sentence no catalogue has"
    with i18n.speaking("en"):
        assert i18n.gettext(english) == english
    assert i18n.language() == "zh_CN"


# ----------------------------------------------------------------------------- the catalogues

@pytest.mark.parametrize("domain", translations.domains())
def test_every_translation_is_current(domain):
    """Every entry translated, none stale (fuzzy) or obsolete, numbers/code/formulas/links/fields
    kept, the .mo compiled from the PO file, no f-string where a translation is needed."""
    problems = translations.check(domain)
    assert not problems, f"{len(problems)} problems (python -m autograder translations check " \
                         f"{domain}):\n" + "\n".join(problems[:40])


def test_the_checker_catches_what_a_translation_changed():
    assert translations.entry_problems("Use `conv2d` with 3 filters.", "使用 `conv2d` 和 3 个滤波器。", True) == []
    assert translations.entry_problems("Use `conv2d` with 3 filters.", "使用 conv2d 和 3 个滤波器。", True)
    assert translations.entry_problems("With 832 parameters.", "有 823 个参数。", True)
    assert translations.entry_problems("$y = Wx$ here", "此处 $y = xW$", True)
    assert translations.entry_problems("{n} values differ", "有 {m} 个值不同", False)
    assert translations.entry_problems("<details><summary>More</summary>x</details>",
                                       "更多 x", True)


def test_an_f_string_where_a_translation_is_needed_is_reported():
    found = translations.strings_in_code('passed(f"{n} OK")\nassert_allclose(a, b, f"f({x})")\n'
                                         '_("plain")', "x.py")
    problems = [f for f in found if f.problem]
    assert len(problems) == 1 and problems[0].line == 1, found      # passed(f"..."), not what=
    assert {f.text for f in found if not f.problem} == {"plain"}


def test_a_changed_english_cell_marks_its_translation_stale(tmp_path, monkeypatch):
    """update() on a catalogue whose English changed: the old translation becomes fuzzy with the
    previous English, and check() reports it."""
    domain = "01_filter_sliding"
    cat = translations.read(domain)
    first = next(m for m in cat if m.id and any(c.startswith("markdown") for c in m.auto_comments))
    template = translations.template(domain)
    changed = translations._new_catalog(domain)
    for m in template:
        if m.id:
            changed.add(m.id + " (changed)" if m.id == first.id else m.id,
                        auto_comments=m.auto_comments, locations=m.locations)
    cat.update(changed, update_creation_date=False)
    stale = cat.get(first.id + " (changed)")
    assert stale is not None and stale.fuzzy and stale.previous_id == [first.id]


def glossary() -> list:
    return translations.glossary_rows()


def test_the_glossary_maps_the_articles_terms():
    rows = {r["english"]: r for r in glossary()}
    for term in ("stride", "padding", "pooling", "flatten", "batch normalization", "grouped convolution",
                 "depthwise separable convolution", "dilated convolution", "transposed convolution",
                 "contractive autoencoder", "kernel", "filter"):
        assert term in rows and CJK.search(rows[term]["chinese"]), term
    variants = " ".join(r["variants"] for r in glossary())
    for article_term in ("卷积核", "过滤器", "步长", "池化", "展平", "批标准化", "批归一化", "分组卷积",
                         "深度可分离卷积", "空洞卷积", "反卷积", "压缩自编码器"):
        assert article_term in variants or any(article_term == r["chinese"] for r in glossary()), article_term


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_chinese_text_uses_the_glossarys_terms(chapter):
    enforced = [r for r in glossary() if r["enforced"] == "yes"]
    cat = translations.read(chapter)
    problems = []
    for msg in cat:
        if not msg.id or not msg.string or not any(c.startswith("markdown") for c in msg.auto_comments):
            continue
        prose = " ".join(translations._MATH.sub(" ", translations._CODE.sub(" ", msg.id)).split())
        for a in articles.ARTICLES.values():     # "the autoencoder guide" names an article
            prose = re.sub(re.escape(a.short), " ", prose, flags=re.I)
        for row in enforced:
            term = re.escape(row["english"]).replace(r"\ ", r"[\s-]")
            if re.search(rf"(?<![\w-]){term}", prose, re.I) and \
                    re.sub(r"\s", "", row["chinese"]) not in re.sub(r"\s", "", msg.string):
                problems.append(f"{row['english']!r} -> {row['chinese']!r} missing in the "
                                f"translation of {msg.id.strip().splitlines()[0][:60]!r}")
    assert not problems, "\n".join(problems)


# ----------------------------------------------------------------------------- the notebooks

@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_chinese_edition_is_generated(chapter):
    assert translations.generate_edition(chapter, check_only=True) == [], \
        "run `python -m autograder generate` and commit"


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_editions_have_the_same_cells_and_code(chapter):
    en = _cells(h.REPO / "course" / chapter / f"{chapter}.ipynb")
    zh = _cells(translations.released_notebook(chapter))
    assert zh["metadata"]["convlab"] == {"language": "zh_CN"}
    assert {k: v for k, v in zh["metadata"].items() if k != "convlab"} == en["metadata"]
    assert len(zh["cells"]) == len(en["cells"])
    for a, b in zip(en["cells"], zh["cells"]):
        assert (a["cell_type"], a.get("id"), a["metadata"]) == (b["cell_type"], b.get("id"), b["metadata"])
        if a["cell_type"] == "code":
            assert a["source"] == b["source"], f"code cell {a.get('id')} differs"
        elif "".join(a["source"]).strip():
            assert CJK.search("".join(b["source"])), \
                f"markdown cell {a.get('id')} is not translated: {''.join(a['source'])[:60]!r}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_chinese_edition_cites_its_articles_by_title(chapter):
    zh = "".join("".join(c["source"]) for c in _cells(translations.released_notebook(chapter))["cells"]
                 if c["cell_type"] == "markdown")
    en = "".join("".join(c["source"]) for c in _cells(h.REPO / "course" / chapter / f"{chapter}.ipynb")["cells"]
                 if c["cell_type"] == "markdown")
    for a in articles.for_chapter(chapter):
        assert f"《{a.title}》" in zh, a.key
        if a.short in en:
            assert a.short_zh in zh, (a.key, a.short_zh)
    if articles.ERRATA_HEADING in en:
        assert articles.ERRATA_HEADING_ZH in zh


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_chinese_notebook_passes_every_test_in_chinese(chapter, chinese, monkeypatch):
    """The Chinese source notebook (solutions/ with the Chinese markdown) has the same code; run in
    Chinese it gets full marks, and every success line its test cells print is Chinese. (The
    suite's one in-process run of each chapter's reference solution: the English edition's code is
    the same, and tests/test_nbgrader_roundtrip.py grades it with real nbgrader.)"""
    from convlab import testing

    said, real = [], testing.passed
    monkeypatch.setattr(testing, "passed", lambda message: (said.append(i18n.gettext(message)),
                                                            real(message)))
    source = h.source_notebook(chapter)
    zh = translations.build_notebook(json.loads(json.dumps(source)), chapter)
    assert [c["source"] for c in zh["cells"] if c["cell_type"] == "code"] == \
        [c.source for c in source.cells if c.cell_type == "code"]
    verdicts = h.grade_in_process(chapter)
    failed = {g: v.message for g, v in verdicts.items() if not v.passed}
    assert not failed, failed
    assert h.score(verdicts)[0] == h.full_marks(chapter) > 0
    assert said, "the test cells print no success line through convlab.testing.passed"
    english = [line for line in said if not CJK.search(line)]
    assert not english, english


def _first_visible_mutant(chapter):
    import importlib

    mod = importlib.import_module(f"mutants_{chapter}")
    hidden_only = set(getattr(mod, "HIDDEN_ONLY", ()))
    return next(name for name in mod.MUTANTS if name not in hidden_only), mod


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_a_mutant_loses_the_same_points_in_both_editions(chapter, monkeypatch):
    name, mod = _first_visible_mutant(chapter)
    results = {}
    for lang in ("en", "zh_CN"):
        monkeypatch.setenv("CONVLAB_LANG", lang)
        results[lang] = h.grade_in_process(chapter, mod.MUTANTS[name], run_other_cells=False,
                                           stop=h.loses_points)
    en, zh = results["en"], results["zh_CN"]
    assert {g: v.passed for g, v in en.items()} == {g: v.passed for g, v in zh.items()}, name
    assert h.score(en) == h.score(zh)
    lost = [g for g, v in zh.items() if not v.passed]
    assert lost, f"mutant {name!r} lost no points"
    assert CJK.search(zh[lost[0]].message), zh[lost[0]].message
    assert re.findall(r"\[mistake: [^\]]+\]", en[lost[0]].message) == \
        re.findall(r"\[mistake: [^\]]+\]", zh[lost[0]].message)


def test_the_glossary_page_is_generated():
    assert translations.generate_glossary(check_only=True) == [], "run `python -m autograder generate`"
    page = translations.GLOSSARY_PAGE.read_text(encoding="utf-8")
    for row in glossary():
        assert f"| {row['english']} | {row['chinese']} |" in page


def test_a_chinese_workspace_gets_the_chinese_notebooks_and_the_glossary(tmp_path):
    from autograder import release

    copied = release.prepare_workspace(tmp_path / "ws", language="zh_CN")
    assert copied == CHAPTERS + ["术语表.md"]
    nb = _cells(tmp_path / "ws" / CHAPTERS[0] / f"{CHAPTERS[0]}.ipynb")
    assert i18n.notebook_language(nb) == "zh_CN"
    (tmp_path / "ws" / "术语表.md").write_text("my notes")
    assert release.prepare_workspace(tmp_path / "ws", language="zh_CN") == []   # never overwrites
    assert (tmp_path / "ws" / "术语表.md").read_text() == "my notes"
    english = release.prepare_workspace(tmp_path / "en")
    assert english == CHAPTERS
    assert i18n.notebook_language(_cells(tmp_path / "en" / CHAPTERS[0] / f"{CHAPTERS[0]}.ipynb")) == "en"


def test_make_lab_in_chinese_opens_the_chinese_edition_with_a_chinese_interface():
    import subprocess

    def dry_run(*args):
        return subprocess.run(["make", "-n", "lab", *args], cwd=h.REPO, capture_output=True,
                              text=True, check=True).stdout

    zh = dry_run("LANG=zh_CN")
    assert "workspace workspace-zh_CN --language zh_CN" in zh
    assert "JUPYTER_CONFIG_PATH=" + str(h.REPO / "translations/zh_CN/jupyter") in zh
    en = dry_run("LANG=C.UTF-8")
    assert "workspace workspace --language en" in en and "JUPYTER_CONFIG_PATH" not in en
    overrides = json.loads((h.REPO / "translations/zh_CN/jupyter/labconfig/"
                            "default_setting_overrides.json").read_text())
    assert overrides["@jupyterlab/translation-extension:plugin"]["locale"] == "zh_CN"
    from jupyterlab_server.translation_utils import get_language_packs

    assert "zh_CN" in get_language_packs()[0], "jupyterlab-language-pack-zh-CN is not installed"


def test_the_chinese_readme_matches_the_course():
    """README.zh-CN.md: the four articles by title and Chinese short name, every exercise of the
    English chapter table, the glossary it links to."""
    zh = (h.REPO / "README.zh-CN.md").read_text(encoding="utf-8")
    en = (h.REPO / "README.md").read_text(encoding="utf-8")
    for a in articles.ARTICLES.values():
        assert f"《{a.title}》" in zh and a.short_zh in zh, a.key
    table = en.split("## Chapters", 1)[1].split("\n## ", 1)[0]
    for row in table.splitlines()[2:]:
        if row.startswith("| 0"):
            exercises = re.findall(r"`(\w+)`", row.split("|")[3])
            missing = [e for e in exercises if f"`{e}`" not in zh]
            assert not missing, (row[:30], missing)
    for link in re.findall(r"\]\(([^)#]+)", zh):
        if not link.startswith("http"):
            assert (h.REPO / link).exists(), link
    assert "README.zh-CN.md" in en


def test_one_english_string_has_one_translation_in_every_catalogue():
    """At run time the catalogues are chained (convlab.i18n.catalogue): a string two chapters
    share must read the same in both, or one chapter would show the other's wording."""
    seen: dict = {}
    for domain in translations.domains():
        for msg in translations.read(domain):
            if msg.id and msg.string and not any(c.startswith("markdown") for c in msg.auto_comments):
                seen.setdefault(msg.id, {})[domain] = msg.string
    differ = {english: by for english, by in seen.items() if len(set(by.values())) > 1}
    assert not differ, "\n".join(f"{e!r}: {by}" for e, by in differ.items())
