"""Keyword in context: every occurrence of a search's words in its hits, with words either side.

Researchers read a concordance to see *how* a term is used ("sanctions against" vs
"sanctions relief") across hundreds of texts at once; the lines align on the keyword.
"""

from dataclasses import dataclass

from archive.search.highlight import match_spans
from archive.search.stream import iter_hits

CONTEXT_WORDS = 8
LINES_PER_ARTICLE = 20  # a speech that says "NATO" 90 times would drown every other text
MAX_EXPORT_ARTICLES = 2000


@dataclass
class KwicLine:
    article: object
    left: str
    keyword: str
    right: str


def article_lines(article, matcher, context_words=CONTEXT_WORDS):
    """The concordance lines of one article: title, lede and body in reading order, each its own
    context (a title's words are not the body's left context)."""
    lines = []
    for part in (article.title, article.lede, article.body):
        text = " ".join((part or "").split())
        for start, end in match_spans(text, matcher, article.language):
            left = text[:start].split()[-context_words:]
            right = text[end:].split()[:context_words]
            lines.append(KwicLine(article, " ".join(left), text[start:end], " ".join(right)))
    return lines[:LINES_PER_ARTICLE]


def page_lines(hits, matcher):
    return [line for hit in hits for line in article_lines(hit.article, matcher)]


KWIC_COLUMNS = ["article_id", "title", "source", "date", "language", "url", "left", "keyword", "right"]


def kwic_records(results, permalink, limit=MAX_EXPORT_ARTICLES):
    """One record per line of the first `limit` hits, for exports.csv_lines (which makes cells formula-safe)."""
    for hit in iter_hits(results, limit, with_snippets=False):
        article = hit.article
        for line in article_lines(article, results.matcher):
            yield {
                "article_id": article.pk,
                "title": article.title,
                "source": article.source.name,
                "date": article.date_display,
                "language": article.language,
                "url": permalink(article),
                "left": line.left,
                "keyword": line.keyword,
                "right": line.right,
            }
