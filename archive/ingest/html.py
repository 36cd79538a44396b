"""An HTML page's main text (trafilatura) and the metadata its head states (our own reading).

Dates come only from what the page declares (meta tags, JSON-LD, <time datetime>), never
from trafilatura's guessing, so a page without a date stays undated.
"""

import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import lxml.html
import trafilatura

from archive.ingest.dates import parse_record_date

DATE_META = ("article:published_time", "datepublished", "pubdate", "publishdate", "dc.date.issued", "dc.date",
             "date", "og:article:published_time", "sailthru.date", "parsely-pub-date")  # fmt: skip
AUTHOR_META = ("author", "article:author", "dc.creator", "parsely-author", "byl")
SITE_META = ("og:site_name", "application-name", "publisher", "dc.publisher")


@dataclass
class HtmlPage:
    title: str = ""
    text: str = ""
    date: object = None  # dates.StatedDate
    author: str = ""
    site_name: str = ""
    url: str = ""
    language: str = ""
    lede: str = ""


def parse_html(html, url=""):
    try:
        tree = lxml.html.fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return HtmlPage(url=url)
    meta = meta_values(tree)
    text = trafilatura.extract(html, url=url or None, include_comments=False, include_tables=False,
                               favor_precision=True, deduplicate=False) or ""  # fmt: skip
    return HtmlPage(
        title=page_title(tree, meta),
        text=text,
        date=page_date(tree, meta),
        author=first(meta, AUTHOR_META),
        site_name=first(meta, SITE_META),
        url=url or first(meta, ("og:url",)) or canonical(tree),
        language=(tree.get("lang") or "").split("-")[0].lower(),
        lede=first(meta, ("description", "og:description")),
    )


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
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text_content() or "null")
        except json.JSONDecodeError:
            continue
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict):
                found.setdefault("datepublished", item.get("datePublished") or "")
                found.setdefault("author", name_of(item.get("author")))
                found.setdefault("publisher", name_of(item.get("publisher")))
    return {key: value for key, value in found.items() if value}


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


def page_date(tree, meta):
    declared = first(meta, DATE_META)
    if not declared:
        times = tree.xpath("//article//time/@datetime | //time[@itemprop='datePublished']/@datetime")
        declared = times[0] if times else ""
    return parse_record_date(declared) if declared else None


def canonical(tree):
    links = tree.xpath('//link[@rel="canonical"]/@href')
    return links[0].strip() if links else ""


def domain_of(url):
    host = urlsplit(url or "").hostname or ""
    return host.removeprefix("www.")
