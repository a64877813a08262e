"""The four Chinese articles the course grew from, and the one way the course refers to them.

A chapter that draws on an article cites it by its title in a "Source article" line near the top
(``citation``), and afterwards calls it by its short name (``Article.short``): "the autoencoder
guide", never "the article", "the second article" or a file name. Each chapter that corrects an
article has an "Errata for the source article" box (``ERRATA_HEADING``); the claims in it that can
be computed are recomputed by the chapter's facts tests. ``tests/test_articles.py`` holds every
chapter to this.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Article:
    key: str            # the name of the article's file among the authors' seeds (001 ... 004)
    title: str          # the title as published, in the original script
    english: str        # the course's English rendering of the title
    site: str           # where it was published
    short: str          # how the course calls it after the citation
    chapters: tuple     # the chapters that draw on it (their folder names)
    short_zh: str = ""  # the short name in the Chinese edition (course/zh_CN)
    site_zh: str = ""   # where it was published, in the Chinese edition


ARTICLES = {
    "001": Article(
        "001", "Python 深度学习架构实用指南：第一、二部分(4)",
        "A practical guide to deep-learning architectures in Python, parts 1 and 2 (4)",
        "Alibaba Cloud developer community (developer.aliyun.com)", "the autoencoder guide",
        ("02_stride_padding", "06_cnn_classifier", "07_autoencoders"), "架构实用指南", "阿里云开发者社区（developer.aliyun.com）"),
    "002": Article(
        "002", "手把手教你用 TensorFlow 實現卷積神經網路",
        "Implementing a convolutional network in TensorFlow, step by step",
        "Leiphone (雷鋒網), by Xu Kaiwen", "the MNIST tutorial",
        ("03_pooling_flatten", "06_cnn_classifier", "08_backprop"), "MNIST 教程", "雷锋网"),
    "003": Article(
        "003", "【Python机器学习】卷积神经网络卷积层、池化层、Flatten层、批标准化层的讲解(图文解释)",
        "Python machine learning: convolution, pooling, Flatten and batch-normalisation layers "
        "explained with figures",
        "Alibaba Cloud developer community (developer.aliyun.com)", "the layers explainer",
        ("01_filter_sliding", "02_stride_padding", "03_pooling_flatten", "04_batch_norm"), "网络层讲解", "阿里云开发者社区（developer.aliyun.com）"),
    "004": Article(
        "004", "CNN卷积汇总", "A summary of CNN convolutions", "a Chinese blog (CSDN)",
        "the convolutions summary", ("05_conv_variants",), "卷积汇总", "CSDN 博客"),
}

ERRATA_HEADING = "Errata for the source article"
ERRATA_HEADING_ZH = "原文勘误"

# phrases that named an article without saying which one (tests/test_articles.py refuses them)
VAGUE_REFERENCES = (r"\bthe article\b",
                    r"\bthe (?:first|second|third|fourth) article\b",
                    r"\bseed 00\d\b", r"\bthe article this course grew from\b")


def citation(key: str) -> str:
    """The markdown line that cites article ``key``: title, English rendering, site, short name."""
    a = ARTICLES[key]
    return f"《{a.title}》 (\"{a.english}\", {a.site}; below: {a.short})"


def citation_zh(key: str) -> str:
    """The Chinese edition's citation line: the title as published, the site, the short name."""
    a = ARTICLES[key]
    return f"《{a.title}》（{a.site_zh}；下文简称“{a.short_zh}”）"


def for_chapter(chapter: str) -> list:
    """The articles chapter ``chapter`` (folder name, e.g. "05_conv_variants") draws on."""
    return [a for a in ARTICLES.values() if chapter in a.chapters]
