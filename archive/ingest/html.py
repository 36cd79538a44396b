"""An HTML page's main text (trafilatura) and the metadata its head states (our own reading).

The date comes from page_dates.py (declared, then shown by the headline, then htmldate).
The main text is trafilatura's precise extraction, else its recall mode, else the page's
plain text, so an article is never lost because one extractor found nothing.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import lxml.html
import trafilatura

from archive.ingest.clean import is_prose
from archive.ingest.page_dates import json_ld_items, page_date
from archive.ingest.publisher import TITLE_SUFFIX, page_publishers, title_without_suffix

AUTHOR_META = ("author", "article:author", "dc.creator", "parsely-author", "byl")


@dataclass
class HtmlPage:
    title: str = ""
    text: str = ""
    date: object = None  # dates.StatedDate
    author: str = ""
    publishers: list = field(default_factory=list)  # (name, how it was found), strongest first
    url: str = ""
    language: str = ""
    lede: str = ""


def parse_html(html, url="", captured_at=None, known_names=()):
    """`known_names`: the archive's sources' names and signature lines, which a title suffix may repeat."""
    tree = parse_tree(html)
    if tree is None:
        return HtmlPage(url=url)
    meta = meta_values(tree)
    url = url or first(meta, ("og:url",)) or canonical(tree)
    page_title_text = (tree.findtext(".//title") or "").strip()
    publishers = page_publishers(tree, meta, page_title_text, domain_of(url), known_names)
    suffix = next((name for name, how in publishers if how == TITLE_SUFFIX), "")
    title = title_without_suffix(page_title(tree, meta), suffix)
    return HtmlPage(
        title=title,
        text=from_headline(main_text(html, url), title),
        date=page_date(tree, meta, html, url, captured_at),
        author=first(meta, AUTHOR_META),
        publishers=publishers,
        url=url,
        language=(tree.get("lang") or "").split("-")[0].lower(),
        lede=first(meta, ("description", "og:description")),
    )


def parse_tree(html):
    try:
        return lxml.html.fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        # lxml refuses a str that declares its encoding (<?xml encoding=…?>); the text is decoded already.
        try:
            return lxml.html.fromstring(html.encode("utf-8"), parser=UTF8_PARSER)
        except (lxml.etree.ParserError, ValueError):
            return None


UTF8_PARSER = lxml.html.HTMLParser(encoding="utf-8")


def main_text(html, url=""):
    """trafilatura's precise text, else its recall mode, else the page's plain text (its baseline).

    Each is tried in turn until one has a line of prose: a precise extraction that kept only a
    date or "Skip to content" has missed the article as surely as one that found nothing.
    """
    options = {"url": url or None, "include_comments": False, "include_tables": False, "deduplicate": False}
    extractions = (
        lambda: trafilatura.extract(html, favor_precision=True, **options),
        lambda: trafilatura.extract(html, favor_recall=True, **options),
        lambda: trafilatura.baseline(html)[1],
    )
    first = ""
    for extract in extractions:
        text = extract() or ""
        if any(is_prose(line) for line in text.splitlines()):
            return text
        first = first or text
    return first


def from_headline(text, title):
    """The text from its headline on: a kicker, breadcrumb or date line above the headline is page furniture."""
    lines = text.split("\n")
    wanted = " ".join(title.split()).casefold()
    for index, line in enumerate(lines[: MAX_LINES_ABOVE_HEADLINE + 1]):
        if " ".join(line.split()).casefold() == wanted:
            return "\n".join(lines[index:])
        if len(line) > MAX_FURNITURE_LINE:
            break
    return text


MAX_LINES_ABOVE_HEADLINE = 4
MAX_FURNITURE_LINE = 80


def meta_values(tree):
    values = {}
    for element in tree.iter("meta"):
        key = (element.get("property") or element.get("name") or element.get("itemprop") or "").strip().lower()
        content = (element.get("content") or "").strip()
        if key and content and key not in values:
            values[key] = content
    for key, value in json_ld(tree).items():
        values.setdefault(key.lower(), value)
    return values


def json_ld(tree):
    """datePublished, author and publisher from schema.org JSON-LD, where the page has it."""
    found = {}
    for item in json_ld_items(tree):
        values = {
            "datepublished": item.get("datePublished"),
            "datecreated": item.get("dateCreated"),
            "author": name_of(item.get("author")),
            "publisher": name_of(item.get("publisher")),
        }
        for key, value in values.items():
            if value and isinstance(value, str) and not found.get(key):
                found[key] = value
    return found


def name_of(value):
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("name", "")
    return str(value or "").strip()


def first(meta, keys):
    return next((meta[key] for key in keys if meta.get(key)), "")


def page_title(tree, meta):
    headings = tree.xpath("//h1")
    heading = re.sub(r"\s+", " ", headings[0].text_content()).strip() if headings else ""
    title = meta.get("og:title") or heading or (tree.findtext(".//title") or "").strip()
    return re.sub(r"\s+", " ", title).strip()


def canonical(tree):
    links = tree.xpath('//link[@rel="canonical"]/@href')
    return links[0].strip() if links else ""


def domain_of(url):
    host = urlsplit(url or "").hostname or ""
    return host.removeprefix("www.")
