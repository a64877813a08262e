"""The notebooks students get: course/ generated from solutions/ by nbgrader, and a student's
own working copy of it."""
from __future__ import annotations

import filecmp
import shutil
import tempfile
from pathlib import Path

from autograder.nbgrader_run import generate
from autograder.paths import REPO, RELEASE, assignments, scratch_course


def generate_course(chapters: list, check_only: bool = False) -> list:
    """Regenerate course/<chapter> for each chapter in a scratch root; copy it into the
    repository (or, with check_only, only report the files that differ). Returns differences."""
    differences = []
    with tempfile.TemporaryDirectory(prefix="convlab-generate-") as tmp:
        root = scratch_course(Path(tmp))
        for chapter in chapters:
            fresh = generate(root, chapter)
            committed = REPO / RELEASE / chapter
            differences += [f"{RELEASE}/{chapter}/{d}" for d in tree_diff(fresh, committed)]
            if not check_only:
                if committed.exists():
                    shutil.rmtree(committed)
                shutil.copytree(fresh, committed)
    return differences


def tree_diff(a: Path, b: Path) -> list:
    """The files that differ between two folders, or ["(missing)"] without ``b``."""
    if not b.is_dir():
        return ["(missing)"]
    cmp = filecmp.dircmp(a, b, ignore=[".ipynb_checkpoints", "__pycache__"])
    diff = []

    def walk(c, prefix=""):
        diff.extend(prefix + n + " (only in generated)" for n in c.left_only)
        diff.extend(prefix + n + f" (only in {RELEASE}/)" for n in c.right_only)
        _, mismatch, errors = filecmp.cmpfiles(c.left, c.right, c.common_files, shallow=False)
        diff.extend(prefix + n + " (differs)" for n in mismatch + errors)
        for name, sub in c.subdirs.items():
            walk(sub, prefix + name + "/")

    walk(cmp)
    return diff


def released_chapters(language: str = "en") -> list:
    """The chapter folders of course/ (English) or course/<language>/ (an edition), in order."""
    base = REPO / RELEASE if language == "en" else REPO / RELEASE / language
    chapters = set(assignments())
    return sorted(p for p in base.iterdir() if p.is_dir() and p.name in chapters) if base.is_dir() else []


def prepare_workspace(dest: Path, language: str = "en") -> list:
    """Copy each chapter of course/ (or of the edition course/<language>/) that ``dest`` does not
    have yet; never overwrite a student's work. Returns the chapters copied. (Students work in a
    copy so that course/ stays what nbgrader generated and `git pull` brings new chapters without
    conflicts.)"""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    copied = []
    for chapter_dir in released_chapters(language):
        if not (dest / chapter_dir.name).exists():
            shutil.copytree(chapter_dir, dest / chapter_dir.name)
            copied.append(chapter_dir.name)
    if language != "en":        # the edition's pages beside its chapters (course/zh_CN/术语表.md)
        for page in sorted((REPO / RELEASE / language).glob("*.md")):
            if not (dest / page.name).exists():
                shutil.copy2(page, dest / page.name)
                copied.append(page.name)
    return copied
