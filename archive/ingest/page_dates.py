"""An HTML page's publication date, voted from three signals (agreed_date says how; bench_dates.py measures it).

1. Declared: a publication-date meta tag, schema.org JSON-LD `datePublished`, a `<time>`
   marked as the publication time. Modification dates never count.
2. Visible: the date line under the headline or in the byline ("12 March 2022",
   "Published 03.04.2024", "Stand: 3. März 2022"), read by dates.py as the .txt reader
   reads date lines, at the precision the page states it.
3. htmldate's fast mode (original_date=True, extensive_search=False): its selectors find
   dates that pages put in other places ("Posted on" widgets, URL paths, comment markup).
Our rules hold over all three: never a date after the capture (or, without one, the
import), never the capture day itself unless the metadata declares it, and the note says
which rule found it.
"""

import datetime
import json
import re

from htmldate import find_date

from archive.ingest.dates import StatedDate, find_date_in_line, parse_record_date
from archive.models import DatePrecision

DATE_META = ("article:published_time", "datepublished", "pubdate", "publishdate", "dc.date.issued", "dc.date",
             "date", "og:article:published_time", "sailthru.date", "parsely-pub-date", "dcterms.date",
             "dcterms.created", "dc.date.created", "citation_publication_date", "article.published",
             "published_time", "publication_date", "datecreated", "release_date")  # fmt: skip
PUBLISHED_TIMES = ("//time[@itemprop='datePublished' or @pubdate or contains(@class, 'publish')]/@datetime",
                   "//article//time/@datetime")  # fmt: skip
HEADLINE = "//h1"
# After the headline a page shows its byline and date within a few hundred characters of furniture.
NEAR_HEADLINE_CHARS = 600
BEFORE_HEADLINE_CHARS = 200
SKIPPED_TAGS = {"script", "style", "noscript", "template", "svg", "nav", "select", "option", "button", "form"}
MIN_YEAR = 1990
SLASH_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b")
UTC_TIMESTAMP = re.compile(r"T\d\d:\d\d.*(?:Z|[+-]00:?00)$")


def page_date(tree, meta, html, url="", captured_at=None):
    """The page's publication date as a StatedDate (with `how` set), or None."""
    latest = (captured_at.date() if captured_at else datetime.date.today()) + datetime.timedelta(days=1)
    declared, visible, guessed = (
        stated if stated and stated.date.year >= MIN_YEAR and stated.date < latest else None
        for stated in (declared_date(tree, meta), visible_date(tree), htmldate_guess(html, url, latest))
    )
    if visible and SLASH_DATE.search(visible.text):
        visible = read_slash_date(visible, tree.get("lang") or "", [declared, guessed], latest)
    visible, guessed = (s if s and plausible_shown_date(s.date, captured_at) else None for s in (visible, guessed))
    return agreed_date(declared, visible, guessed)


def plausible_shown_date(date, captured_at=None):
    """A date the page shows (not declares) may be its date: before the capture day, or before tomorrow without one.

    A page's "today" widget shows the capture day; only the page's metadata may state that day.
    """
    return date < captured_at.date() if captured_at else date <= datetime.date.today()


def agreed_date(declared, visible, guessed):
    """The local day the page shows beats a UTC timestamp a day off; else two signals that agree on the day win;
    else the strongest signal, unless a weaker one states a day within its month or year.

    Measured on htmldate's 800-page evaluation set (benchmarks/bench_dates.py): declared metadata and htmldate
    disagree on 28 pages, the headline's date and the metadata on 58, and each of them is wrong on some.
    """
    local = _local_day(declared, visible)
    if local:
        return local
    candidates = [stated for stated in (declared, visible, guessed) if stated]
    days = [stated for stated in candidates if stated.precision == DatePrecision.DAY]
    for stated in days:
        others = [other for other in days if other is not stated and other.date == stated.date]
        if others:
            stated.how += f"; {others[0].how.split(' (')[0]} agrees"
            return stated
    local = _local_day(declared, guessed)
    if local:
        return local
    if not candidates:
        return None
    first = candidates[0]
    finer = next((other for other in days if other is not first and _within(other.date, first)), None)
    return finer or first


def _local_day(declared, other):
    """The other signal, when it is a day off a UTC timestamp: the page's local day."""
    if not (declared and other and other.precision == DatePrecision.DAY and UTC_TIMESTAMP.search(declared.text)):
        return None
    if abs((other.date - declared.date).days) != 1:
        return None
    other.how += f" (the metadata's {declared.text} is UTC)"
    return other


def _within(day, stated):
    if stated.precision == DatePrecision.MONTH:
        return (day.year, day.month) == (stated.date.year, stated.date.month)
    return stated.precision == DatePrecision.YEAR and day.year == stated.date.year


def read_slash_date(stated, language, others, latest):
    """dates.py reads 06/11/2023 in the US order; a page in another language, or another signal, may say otherwise.

    The day-first reading wins when another signal states it, or when the page is not in American English
    (`lang` other than en/en-US) and no signal states the US reading.
    """
    swapped_day, swapped_month = stated.date.month, stated.date.day
    if swapped_day == swapped_month or swapped_month > 12:
        return stated
    swapped = datetime.date(stated.date.year, swapped_month, swapped_day)
    confirmed = {other.date for other in others if other and other.precision == DatePrecision.DAY}
    if stated.date in confirmed or swapped >= latest:
        return stated
    american = language.lower().replace("_", "-") in ("en", "en-us", "")
    if swapped in confirmed or not american:
        return StatedDate(swapped, stated.precision, stated.time, stated.text, stated.how + ", read day first")
    return stated


def declared_date(tree, meta):
    for key in DATE_META:
        stated = parse_record_date(meta.get(key)) if meta.get(key) else None
        if stated:
            stated.how = f"the page's metadata ({key})"
            return stated
    for xpath in PUBLISHED_TIMES:
        for value in tree.xpath(xpath):
            stated = parse_record_date(value)
            if stated:
                stated.how = "the page's <time> element"
                return stated
    return None


def visible_date(tree):
    """The first date line or dated byline near the (first) headline."""
    headings = tree.xpath(HEADLINE)
    if not headings:
        return None
    for segment in _segments_after(headings[0]):
        stated = find_date_in_line(segment)
        if stated:
            stated.how = "the date shown by the headline"
            return stated
    for segment in _segments_before(headings[0]):
        stated = find_date_in_line(segment)
        if stated:
            stated.how = "the date shown above the headline"
            return stated
    return None


def _segments_after(heading):
    """Text pieces after the headline, in document order, up to NEAR_HEADLINE_CHARS of text."""
    seen = 0
    for element in heading.itersiblings():
        for text in _texts(element):
            yield text
            seen += len(text)
            if seen > NEAR_HEADLINE_CHARS:
                return
    parent = heading.getparent()
    if parent is not None and seen <= NEAR_HEADLINE_CHARS and parent.tag not in ("body", "html"):
        yield from _segments_after(parent)


def _segments_before(heading):
    seen = 0
    for element in heading.itersiblings(preceding=True):
        for text in reversed(list(_texts(element))):
            yield text
            seen += len(text)
            if seen > BEFORE_HEADLINE_CHARS:
                return


def _texts(element):
    """An element's visible text, one piece per block (a line as a reader sees it)."""
    if not isinstance(element.tag, str) or element.tag in SKIPPED_TAGS:
        return
    text = " ".join(element.itertext()).strip()
    if len(text) <= 160 or len(element) == 0:
        if text:
            yield re.sub(r"\s+", " ", text)
        return
    if element.text and element.text.strip():
        yield element.text.strip()
    for child in element:
        yield from _texts(child)
        if child.tail and child.tail.strip():
            yield child.tail.strip()


def htmldate_guess(html, url, latest):
    try:
        found = find_date(html, extensive_search=False, original_date=True, url=url or None,
                          max_date=latest.isoformat())  # fmt: skip
    except (ValueError, TypeError):
        return None
    if not found:
        return None
    stated = StatedDate(datetime.date.fromisoformat(found), DatePrecision.DAY, None, found)
    stated.how = "htmldate"
    return stated


def json_ld_items(tree):
    """schema.org objects from the page's JSON-LD, `@graph` lists opened, in page order."""
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text_content() or "null", strict=False)
        except json.JSONDecodeError:
            continue
        yield from _flatten(data)


def _flatten(data):
    if isinstance(data, list):
        for item in data:
            yield from _flatten(item)
    elif isinstance(data, dict):
        yield data
        if isinstance(data.get("@graph"), list):
            yield from _flatten(data["@graph"])
