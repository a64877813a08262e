"""The Chinese edition from the one English source: gettext catalogues and the notebooks built
from them.

- ``translations/zh_CN/<chapter>.po``: a chapter's markdown cells (one entry per cell, the
  English cell as msgid), the strings its test cells show (``passed(...)``, ``what``/``oracle``/
  ``why`` of the assertions) and the strings of its ``convlab/chNN_topic/`` package.
- ``translations/zh_CN/convlab.po``: the shared modules' and the grader's strings.

Each entry carries the English it translates (its msgid): an English text that changes no longer
matches, so ``update`` marks the old translation fuzzy (with the previous English) and ``check``
reports it until a translator has brought it up to date. ``compile`` writes the runtime catalogues
(``convlab/locale/zh_CN/LC_MESSAGES/<domain>.mo``), ``build_notebook`` a Chinese notebook: the same
cells, ids, metadata and code, the markdown translated, ``metadata.convlab.language`` set.

Commands (``python -m autograder translations ...``): ``update`` (re-extract, merge), ``check``
(every entry current; exit 1 otherwise), ``compile``; ``python -m autograder generate`` builds
``course/zh_CN/`` after ``course/``.
"""
from __future__ import annotations

import ast
import copy
import datetime as _dt
import io
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from autograder.paths import REPO, RELEASE, SOURCE
from convlab.i18n import LOCALE_DIR, METADATA_KEY

LANG = "zh_CN"
CATALOGUES = REPO / "translations" / LANG
SHARED = "convlab"
# a fixed date keeps regenerated catalogues identical (git shows only real changes)
_DATE = _dt.datetime(2026, 12, 1, tzinfo=_dt.timezone.utc)

# Calls whose string arguments a student sees: function name -> positions and keyword names of
# the arguments to translate. The function translates them itself when it shows them.
KEYWORDS: dict[str, tuple] = {
    "_": (0,),
    "gettext": (0,),
    "N_": (0,),
    "passed": (0,),
    "mistake": (1,),
    "assert_allclose": (2, "what", "oracle"),
    "assert_int_equal": (2, 3, "what", "oracle"),
    "assert_raises_value_error": ("why",),
}

# the calls whose argument is prose, never code: an f-string there cannot be translated (an
# assertion's ``what`` may be an f-string describing a call: it stays as it is)
PROSE = {"_", "gettext", "N_", "passed", "mistake"}


# ----------------------------------------------------------------------------- extraction

@dataclass
class Found:
    text: str
    where: str          # file (relative to the repository)
    line: int           # line number, or cell index for a notebook
    comment: str = ""   # shown to the translator
    problem: str = ""   # set when the argument cannot be translated (an f-string)


def _call_name(node: ast.Call) -> str | None:
    f = node.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute):
        return f.attr
    return None


def strings_in_code(source: str, where: str, line_offset: int = 0, comment: str = "") -> list:
    """The strings in the KEYWORDS positions of the calls in ``source``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        spec = KEYWORDS.get(_call_name(node) or "")
        if not spec:
            continue
        args = [a for i, a in enumerate(node.args) if i in spec]
        args += [k.value for k in node.keywords if k.arg in spec]
        for arg in args:
            line = line_offset + getattr(arg, "lineno", 0)
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value.strip():
                found.append(Found(arg.value, where, line, comment))
            elif isinstance(arg, ast.JoinedStr) and _call_name(node) in PROSE:
                found.append(Found("", where, line, comment,
                                   problem="an f-string cannot be translated: use "
                                           "_(\"... {name} ...\").format(name=...)"))
    return found


def _notebook_path(chapter: str) -> Path:
    return REPO / SOURCE / chapter / f"{chapter}.ipynb"


def _package_of(chapter: str) -> Path | None:
    number, topic = chapter.split("_", 1)
    pkg = REPO / "convlab" / f"ch{number}_{topic}"
    return pkg if pkg.is_dir() else None


def chapters() -> list:
    return sorted(p.name for p in (REPO / SOURCE).iterdir()
                  if p.is_dir() and (p / f"{p.name}.ipynb").is_file())


def domains() -> list:
    return chapters() + [SHARED]


def _rel(path: Path) -> str:
    return str(path.resolve().relative_to(REPO))


def extract(domain: str) -> list:
    """Every translatable string of a domain, in the order a reader meets them."""
    found: list[Found] = []
    if domain == SHARED:
        files = sorted((REPO / "convlab").glob("*.py")) + sorted((REPO / "convlab" / "widgets").glob("*.py"))
        files += sorted((REPO / "autograder").glob("*.py"))
        for path in files:
            found += strings_in_code(path.read_text(encoding="utf-8"), _rel(path))
        return found
    nb_path = _notebook_path(domain)
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    for index, cell in enumerate(nb["cells"]):
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown" and source.strip():
            found.append(Found(source, _rel(nb_path), index, f"markdown cell {cell.get('id', index)}"))
        elif cell["cell_type"] == "code":
            grade_id = (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id")
            label = f"test cell {grade_id}" if grade_id else f"code cell {cell.get('id', index)}"
            found += strings_in_code(source, _rel(nb_path), index, label)
    pkg = _package_of(domain)
    if pkg:
        for path in sorted(pkg.glob("*.py")):
            found += strings_in_code(path.read_text(encoding="utf-8"), _rel(path))
    return found


def template(domain: str) -> Catalog:
    """The catalogue the sources ask for now, without translations."""
    cat = _new_catalog(domain)
    for f in extract(domain):
        if f.problem:
            continue
        msg = cat.get(f.text)
        if msg is None:
            cat.add(f.text, locations=[(f.where, f.line)],
                    auto_comments=[f.comment] if f.comment else [])
        else:
            msg.locations.append((f.where, f.line))
            if f.comment and f.comment not in msg.auto_comments:
                msg.auto_comments.append(f.comment)
    return cat


def _new_catalog(domain: str) -> Catalog:
    return Catalog(locale=LANG, domain=domain, project="convlab", version="1",
                   header_comment=f"# Simplified Chinese translation of convlab ({domain}).\n"
                                  f"# Edit msgstr only; the English msgid is the source "
                                  f"(solutions/, convlab/, autograder/).",
                   creation_date=_DATE, revision_date=_DATE,
                   language_team="convlab <https://github.com/convlab>",
                   last_translator="convlab authors", fuzzy=False)


def po_path(domain: str) -> Path:
    return CATALOGUES / f"{domain}.po"


def mo_path(domain: str) -> Path:
    return LOCALE_DIR / LANG / "LC_MESSAGES" / f"{domain}.mo"


def read(domain: str) -> Catalog:
    path = po_path(domain)
    if not path.is_file():
        return _new_catalog(domain)
    with open(path, "rb") as f:
        return read_po(f, locale=LANG, domain=domain)


def _po_bytes(cat: Catalog) -> bytes:
    for msg in cat:
        if not msg.fuzzy:          # the previous English matters only while the entry is stale
            msg.previous_id = ()
    buf = io.BytesIO()
    write_po(buf, cat, width=0, include_previous=True, ignore_obsolete=True)
    return buf.getvalue()


def update(domain: str) -> Catalog:
    """Merge the sources' strings into the domain's catalogue: new entries untranslated, changed
    ones fuzzy with the English they translated, gone ones dropped. Writes the PO file."""
    cat = read(domain)
    cat.update(template(domain), update_creation_date=False)
    cat.revision_date = _DATE
    path = po_path(domain)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_po_bytes(cat))
    return cat


def mo_bytes(domain: str) -> bytes:
    """The runtime catalogue: the current, translated entries only."""
    cat = read(domain)
    keep = _new_catalog(domain)
    for msg in cat:
        if msg.id and msg.string and not msg.fuzzy:
            keep.add(msg.id, msg.string)
    buf = io.BytesIO()
    write_mo(buf, keep, use_fuzzy=False)
    return buf.getvalue()


def compiled_differs(domain: str) -> list:
    """[the .mo file] when it is missing or not what its PO file compiles to, else []."""
    path = mo_path(domain)
    if path.is_file() and path.read_bytes() == mo_bytes(domain):
        return []
    return [str(path.relative_to(REPO))]


def compile_catalogue(domain: str) -> Path:
    path = mo_path(domain)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(mo_bytes(domain))
    return path


# ----------------------------------------------------------------------------- checks

_NUMBER = re.compile(r"(?<![A-Za-z_])\d+(?:[.,]\d+)*")
_CODE = re.compile(r"`[^`\n]+`")
_MATH = re.compile(r"\$\$.+?\$\$|\$[^$\n]+\$", re.S)
_FIELD = re.compile(r"(?<!\{)\{[^{}\s]*\}(?!\})")
_URL = re.compile(r"\]\(([^)\s]+)\)|https?://[^\s)>\]]+")
_TAG = re.compile(r"</?(?:details|summary|div|span|br|b|i|code|pre|table|tr|td|th|img|sub|sup)\b[^>]*>")


def _kept(name: str, pattern: re.Pattern, english: str, chinese: str, subset: bool = False) -> str:
    a, b = Counter(pattern.findall(english)), Counter(pattern.findall(chinese))
    missing = a - b
    extra = Counter() if subset else b - a
    if not missing and not extra:
        return ""
    parts = []
    if missing:
        parts.append("missing " + ", ".join(sorted(missing)))
    if extra:
        parts.append("not in the English " + ", ".join(sorted(extra)))
    return f"{name} changed: " + "; ".join(parts)


def entry_problems(english: str, chinese: str, markdown: bool) -> list:
    """What a translation changed that it must keep: numbers, code, formulas, links, format fields."""
    # the Chinese edition's workspace is workspace-zh_CN/ (make lab LANG=zh_CN): its commands say so
    chinese = chinese.replace("workspace-zh_CN/", "workspace/")
    problems = [
        _kept("numbers", _NUMBER, _MATH.sub(" ", _CODE.sub(" ", english)),
              _MATH.sub(" ", _CODE.sub(" ", chinese)), subset=True),
        _kept("inline code", _CODE, english, chinese),
        _kept("formulas", _MATH, english, chinese),
        _kept("links", _URL, english, chinese),
    ]
    if markdown:
        problems.append(_kept("HTML tags", _TAG, english, chinese))
    else:
        problems.append(_kept("format fields", _FIELD, english, chinese))
    return [p for p in problems if p]


def check(domain: str) -> list:
    """Every problem of a domain's catalogue as "<domain>: <what> -- <English, abridged>"."""
    wanted = template(domain)
    have = read(domain)
    problems = [f"{domain}: {f.where}:{f.line}: {f.problem}" for f in extract(domain) if f.problem]
    for msg in wanted:
        if not msg.id:
            continue
        short = msg.id.strip().splitlines()[0][:70]
        got = have.get(msg.id)
        markdown = any(c.startswith("markdown") for c in msg.auto_comments)
        if got is None or not got.string:
            problems.append(f"{domain}: untranslated -- {short!r}")
        elif got.fuzzy:
            problems.append(f"{domain}: stale (the English changed; fuzzy) -- {short!r}")
        else:
            problems += [f"{domain}: {p} -- {short!r}"
                         for p in entry_problems(msg.id, got.string, markdown)]
    stale = [m.id for m in have if m.id and wanted.get(m.id) is None]
    problems += [f"{domain}: obsolete (no longer in the source; run update) -- "
                 f"{m.strip().splitlines()[0][:70]!r}" for m in stale]
    problems += [f"{domain}: {mo} is missing or not compiled from {po_path(domain).relative_to(REPO)} "
                 f"(run compile)" for mo in compiled_differs(domain)]
    return problems


# ----------------------------------------------------------------------------- notebooks

def build_notebook(nb: dict, domain: str, cat: Catalog | None = None) -> dict:
    """The Chinese edition of a chapter notebook (nbformat JSON dict): markdown cells translated
    (English where no current translation exists yet), everything else identical."""
    cat = cat if cat is not None else read(domain)
    out = copy.deepcopy(nb)
    for cell in out["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        msg = cat.get("".join(cell["source"]))
        if msg is not None and msg.string and not msg.fuzzy:
            cell["source"] = msg.string.splitlines(keepends=True)
    out.setdefault("metadata", {})[METADATA_KEY] = {"language": LANG}
    return out


def released_notebook(chapter: str, lang: str = LANG) -> Path:
    return REPO / RELEASE / lang / chapter / f"{chapter}.ipynb"


def _dump(nb: dict) -> str:
    # the layout nbformat.write gives (course/ is written by nbgrader through nbformat)
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def generate_edition(chapter: str, check_only: bool = False) -> list:
    """course/zh_CN/<chapter>/ from course/<chapter>/ and the chapter's catalogue. Returns the
    files that differ (written unless check_only)."""
    english_dir = REPO / RELEASE / chapter
    target_dir = REPO / RELEASE / LANG / chapter
    differences = []
    cat = read(chapter)
    for src in sorted(p for p in english_dir.rglob("*") if p.is_file()):
        rel = src.relative_to(english_dir)
        dest = target_dir / rel
        if src.suffix == ".ipynb":
            content = _dump(build_notebook(json.loads(src.read_text(encoding="utf-8")), chapter, cat)).encode()
        else:
            content = src.read_bytes()
        if not dest.is_file() or dest.read_bytes() != content:
            differences.append(f"{RELEASE}/{LANG}/{chapter}/{rel}")
            if not check_only:
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(content)
    if target_dir.is_dir():
        for extra in sorted(p for p in target_dir.rglob("*") if p.is_file()):
            if not (english_dir / extra.relative_to(target_dir)).is_file():
                differences.append(f"{RELEASE}/{LANG}/{chapter}/{extra.relative_to(target_dir)} "
                                   f"(not in {RELEASE}/{chapter})")
                if not check_only:
                    extra.unlink()
    return differences


GLOSSARY = CATALOGUES / "glossary.tsv"
GLOSSARY_PAGE = REPO / RELEASE / LANG / "术语表.md"


def glossary_rows() -> list:
    import csv

    with open(GLOSSARY, encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def glossary_markdown() -> str:
    """术语表: the glossary page of the Chinese edition (course/zh_CN/术语表.md), from glossary.tsv."""
    from convlab.articles import ARTICLES

    lines = [
        "# 术语表",
        "",
        "本课程的中文术语，与英文原版和四篇原文（及《动手学深度学习》）的写法对照。"
        "原文用词不同时，两种写法都列出；课程正文统一使用“本课程用语”一栏。",
        "",
        "原文：" + "；".join(f"“{a.short_zh}”即《{a.title}》" for a in ARTICLES.values()) + "。",
        "",
        "| 英文 | 本课程用语 | 原文及其他写法 | 首次出现 |",
        "|---|---|---|---|",
    ]
    for row in sorted(glossary_rows(), key=lambda r: (r["chapter"], r["english"].lower())):
        variants = row["variants"]
        for a in ARTICLES.values():
            variants = variants.replace(a.short, "“" + a.short_zh + "”")
        variants = variants.replace("”, “", "”、“")
        lines.append(f"| {row['english']} | {row['chinese']} | {variants} | 第 {int(row['chapter'])} 章 |")
    return "\n".join(lines) + "\n"


def generate_glossary(check_only: bool = False) -> list:
    text = glossary_markdown().encode()
    if GLOSSARY_PAGE.is_file() and GLOSSARY_PAGE.read_bytes() == text:
        return []
    if not check_only:
        GLOSSARY_PAGE.parent.mkdir(parents=True, exist_ok=True)
        GLOSSARY_PAGE.write_bytes(text)
    return [str(GLOSSARY_PAGE.relative_to(REPO))]


def main(argv: list) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="python -m autograder translations",
                                description="the Chinese edition's catalogues (translations/zh_CN)")
    p.add_argument("action", choices=("update", "check", "compile"))
    p.add_argument("domains", nargs="*", help=f"chapters and/or {SHARED!r} (default: all)")
    args = p.parse_args(argv)
    chosen = args.domains or domains()
    unknown = sorted(set(chosen) - set(domains()))
    if unknown:
        p.error(f"unknown domain(s) {unknown}; domains: {domains()}")
    if args.action == "update":
        for d in chosen:
            cat = update(d)
            todo = sum(1 for m in cat if m.id and (not m.string or m.fuzzy))
            print(f"{po_path(d).relative_to(REPO)}: {len(cat)} entries, {todo} to translate")
        return 0
    if args.action == "compile":
        for d in chosen:
            print(compile_catalogue(d).relative_to(REPO))
        return 0
    problems = [p for d in chosen for p in check(d)]
    print("\n".join(problems) if problems else "every translation is current")
    return 1 if problems else 0
