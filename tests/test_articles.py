"""One way of referring to the four source articles (convlab.articles): every chapter that draws on
an article cites it by its title, corrects it in an errata box, and never says just "the article"."""
import re

import pytest

import nbharness as h
from convlab import CHAPTERS
from convlab.articles import ARTICLES, ERRATA_HEADING, VAGUE_REFERENCES, for_chapter


def markdown(chapter):
    return "\n".join(c.source for c in h.source_notebook(chapter).cells if c.cell_type == "markdown")


def test_every_article_is_drawn_on_by_a_chapter_that_exists():
    for a in ARTICLES.values():
        assert a.chapters and set(a.chapters) <= set(CHAPTERS), a.key


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_cites_its_articles_by_title(chapter):
    text = markdown(chapter)
    for a in for_chapter(chapter):
        assert a.title in text, f"{chapter} draws on {a.short} but never cites its title {a.title}"
    if for_chapter(chapter):
        assert ERRATA_HEADING in text, f"{chapter}: no '{ERRATA_HEADING}' box"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_names_the_article_it_means(chapter):
    text = markdown(chapter)
    vague = [m.group(0) for p in VAGUE_REFERENCES for m in re.finditer(p, text, re.IGNORECASE)]
    assert not vague, f"{chapter}: say which article (its short name): {sorted(set(vague))}"
