"""From a raw record to an article draft: what the input states wins, extraction fills the rest.

A draft holds the article's fields and where its source should come from; it touches no
database, so the admin's "add from text" page and the import command share it.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.conf import settings

from archive.ingest.bylines import is_byline
from archive.ingest.clean import clean_text
from archive.ingest.dates import parse_record_date
from archive.ingest.html import domain_of, parse_html
from archive.ingest.language import detect_language
from archive.ingest.markup import plain_line, plain_text
from archive.ingest.page_dates import plausible_shown_date
from archive.ingest.readers import UnreadableInput
from archive.models import DatePrecision

MAX_TITLE = 500
TEXT_KEYS = ("text", "body", "content")


@dataclass
class SourceHint:
    """What the input says about who published it, strongest first."""

    slug: str = ""
    name: str = ""
    kind: str = ""
    domain: str = ""
    alternatives: list = field(default_factory=list)  # weaker names the page gives (publisher.py), strongest first


@dataclass
class Draft:
    origin: str
    fields: dict = field(default_factory=dict)  # Article fields
    source: SourceHint = field(default_factory=SourceHint)
    actor_slugs: dict | None = None  # from our own export: {slug: mention count}; None means "tag the text"
    speakers: list = field(default_factory=list)  # names the record's metadata gives as the speakers
    speaker_slugs: list = field(default_factory=list)  # from our own export: the actors tagged as speakers
    notes: list = field(default_factory=list)
    removed: list = field(default_factory=list)


def draft_from(raw, known_sources=None, default_source="", default_language=""):
    """A draft from a RawRecord; raises UnreadableInput with the reason when there is no article in it.

    `known_sources` maps each source's name to the lines that sign its releases.
    """
    known_sources = known_sources or {}
    raw.url = raw.metadata.get("url") or raw.url  # before extraction, so the source's domain follows it
    if raw.fields and is_own_export(raw.fields):
        draft = draft_from_export(raw)
    elif raw.fields:
        draft = draft_from_record(raw, known_sources)
    elif raw.html:
        draft = draft_from_html(raw, known_sources)
    else:
        draft = draft_from_text(raw.origin, raw.text, known_sources)
    apply_metadata(draft, raw.metadata)
    finish(draft, raw, default_source, default_language)
    if raw.encoding and not raw.encoding.encoding.startswith("utf-8"):
        draft.notes.append(f"read as {raw.encoding.encoding} ({raw.encoding.how})")
    return draft


def is_own_export(record):
    return "content_hash" in record and "source_slug" in record


def draft_from_text(origin, text, known_sources, title=None, language=""):
    cleaned = clean_text(text, title=title, known_sources=known_sources, language=language)
    draft = Draft(origin=origin, removed=cleaned.removed)
    if cleaned.author and not is_byline(cleaned.author):
        # Not a name but the text's own line (a salutation, a sentence): it goes back where it was.
        cleaned.body = "\n\n".join(filter(None, [cleaned.author, cleaned.body]))
        cleaned.author = ""
    draft.fields = {
        "title": cleaned.title,
        "lede": cleaned.lede,
        "body": cleaned.body,
        "author": cleaned.author,
        "section": cleaned.section,
        "captions": "\n".join(cleaned.captions),
        "contact": cleaned.contact,
        "language": cleaned.language,
    }
    set_date(draft, cleaned.date, "From the page's date line, {}.")
    furniture = [cleaned.author, cleaned.contact, *cleaned.removed]
    draft.source.name = cleaned.source_line or signed_source(furniture, known_sources)
    return draft


def signed_source(lines, known_sources):
    """A known source that signs the page's furniture or byline: one of its signature lines, else its name.

    Only lines outside the body count: an article that mentions a newspaper is not by it.
    """
    furniture = [line for text in lines if text for line in text.splitlines()]
    return source_by_signature(furniture, known_sources) or source_by_name("\n".join(furniture), known_sources)


def plain(line):
    """A line as signatures are compared: one space between words, no case."""
    return " ".join(line.split()).casefold()


def source_by_signature(furniture, known_sources):
    """The source whose signature line is, or is contained in, a furniture line; the longest signature wins."""
    furniture = [plain(line) for line in furniture]
    signatures = [(plain(line), name) for name, lines in known_sources.items() for line in lines if line.strip()]
    for signature, name in sorted(signatures, key=lambda item: len(item[0]), reverse=True):
        if any(re.search(rf"(?<!\w){re.escape(signature)}(?!\w)", line) for line in furniture):
            return name
    return ""


def source_by_name(text, known_sources):
    """A known source named in the furniture ("other … analyses"), or by its initials ("LETA/TBT Staff")."""
    for name in sorted(known_sources, key=len, reverse=True):
        if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE):
            return name
        initials = "".join(word[0] for word in name.split() if word[0].isupper())
        if len(initials) >= 3 and re.search(rf"(?<![\w]){initials}(?![\w])", text):
            return name
    return ""


def draft_from_record(raw, known_sources):
    """A JSON/CSV record: its Markdown or HTML read into plain text, its stated fields kept."""
    record = raw.fields
    meta = record.get("meta") if isinstance(record.get("meta"), dict) else {}
    # A title-only record still has its summary to archive; with neither it is a headline item.
    summary = meta.get("summary") or meta.get("description") or ""
    text = next((str(record[key]) for key in TEXT_KEYS if record.get(key)), "") or str(summary)
    title = plain_line(str(record.get("title") or ""))
    declared_language = str(record.get("language") or "").strip().lower()
    if declared_language not in settings.ARCHIVE_LANGUAGES:
        declared_language = ""
    text = plain_text(text)
    draft = draft_from_text(raw.origin, text, known_sources, title=title or None, language=declared_language)
    if not title and text.strip():
        title_from_text(draft)
    record_fields(draft, record)
    stated = parse_record_date(record.get("date"), record.get("date_precision"))
    if record.get("date") and stated is None:
        draft.fields["date_note"] = f"The record's date {str(record['date'])[:200]!r} could not be read; left unknown."
    if stated:
        set_date(draft, stated, "From the record's date, {}.")
    publisher = str(record.get("publisher") or record.get("source") or "").strip()
    draft.source = SourceHint(name=publisher or draft.source.name, domain=domain_of(raw.url))
    draft.speakers = speakers_of(record, meta)
    return draft


def title_from_text(draft):
    """A record with text but no title is kept: its text's first sentence stands in for the title."""
    fields = draft.fields
    if not fields["body"].strip():  # its one line was taken for the title: it is the text too
        fields["body"] = fields["title"]
    if not fields["title"].strip():
        fields["title"] = first_sentence(fields["body"])
        draft.notes.append("the record has no title; its first sentence stands in for one")


def first_sentence(text, limit=200):
    sentence = re.split(r"(?<=[.!?…])\s", text.strip(), maxsplit=1)[0]
    return sentence if len(sentence) <= limit else sentence[:limit].rsplit(" ", 1)[0] + "…"


def record_fields(draft, record):
    """The record's own author, section and lede, as plain text; an author that is not a byline is left out."""
    for name in ("section", "lede"):
        if record.get(name):
            draft.fields[name] = plain_line(str(record[name])) if name == "section" else plain_text(str(record[name]))
    author = plain_line(str(record.get("author") or ""))
    if author and is_byline(author):
        draft.fields["author"] = author
    elif author:
        draft.notes.append(f"the record's author {author[:80]!r} is not a name or credit line; left out")


def speakers_of(record, meta):
    """The names a record gives as its speakers (`speaker`, `speakers`, in the record or its `meta`)."""
    names = []
    for holder in (record, meta):
        for key in ("speaker", "speakers"):
            value = holder.get(key)
            values = value if isinstance(value, list) else [value]
            names += [" ".join(str(name).split()) for name in values if isinstance(name, str) and name.strip()]
    return list(dict.fromkeys(names))


def draft_from_html(raw, known_sources):
    known_names = [line for name, lines in known_sources.items() for line in (name, *lines)]
    page = parse_html(raw.html, raw.url, raw.captured_at, known_names)
    if not page.text.strip():
        raise UnreadableInput("no article text found in the HTML (tried trafilatura's precise and recall modes "
                              "and the page's plain text)")  # fmt: skip
    draft = draft_from_text(raw.origin, page.text, known_sources, title=page.title or None)
    if not draft.fields["body"].strip():
        furniture = " ".join(page.text.split())[:80]
        raise UnreadableInput(f"no article text found in the HTML, only page furniture (“{furniture}”)")
    if page.author and not draft.fields["author"]:
        draft.fields["author"] = page.author
    if page.date:
        set_date(draft, page.date, f"From {page.date.how}: {{}}.")
    elif draft.fields.get("published_on") and not plausible_shown_date(draft.fields["published_on"], raw.captured_at):
        set_date(draft, None, "")  # a date line in the text on or after the capture day is a widget, not the date
    if page.language in settings.ARCHIVE_LANGUAGES and not draft.fields["language"]:
        draft.fields["language"] = page.language
    raw.url = raw.url or page.url
    alternatives = [name for name, _ in page.publishers]
    draft.source = SourceHint(name=draft.source.name, domain=domain_of(raw.url), alternatives=alternatives)
    return draft


def draft_from_export(raw):
    """Our own export restores exactly: nothing is cleaned, detected or re-tagged."""
    record = raw.fields
    stated = parse_record_date(record.get("date"), record.get("date_precision"))
    time = record.get("time") or ""
    draft = Draft(origin=raw.origin, actor_slugs=dict(record.get("actor_mentions") or {}),
                  speaker_slugs=list(record.get("speakers") or []))  # fmt: skip
    draft.fields = {name: record.get(name) or "" for name in
                    ("title", "lede", "body", "author", "section", "language", "captions", "contact", "date_note",
                     "provenance")}  # fmt: skip
    draft.fields.update(
        published_on=stated.date if stated else None,
        date_precision=stated.precision if stated else DatePrecision.UNKNOWN,
        published_time=datetime.time.fromisoformat(time) if time else None,
        captured_at=parse_iso_datetime(record.get("captured_at")),
        expected_hash=record.get("content_hash") or "",
        restore_id=record.get("id") if isinstance(record.get("id"), int) else None,
        restore_original_id=record.get("near_duplicate_of")
        if isinstance(record.get("near_duplicate_of"), int)
        else None,
        translation_of=record.get("translation_of") if isinstance(record.get("translation_of"), int) else None,
    )
    draft.source = SourceHint(slug=record["source_slug"], name=record.get("source") or "",
                              kind=record.get("source_kind") or "")  # fmt: skip
    return draft


def parse_iso_datetime(value):
    if not value:
        return None
    try:
        return datetime.datetime.fromisoformat(str(value))
    except ValueError:
        raise UnreadableInput(f"captured_at {value!r} is not an ISO date-time") from None


def set_date(draft, stated, note):
    if stated is None:
        draft.fields.update(published_on=None, date_precision=DatePrecision.UNKNOWN, published_time=None)
        return
    draft.fields.update(published_on=stated.date, date_precision=stated.precision, published_time=stated.time,
                        date_note=note.format(stated.text))  # fmt: skip


def apply_metadata(draft, metadata):
    """An editor's manifest row for the file (see manifest.py) wins over the input and over extraction."""
    if "date" in metadata:
        set_date(draft, metadata["date"], "From the editor's metadata, {}.")
    for name in ("title", "author", "language", "date_note"):
        if name in metadata:
            draft.fields[name] = metadata[name]
    if "source" in metadata:
        draft.source = SourceHint(name=metadata["source"], domain=draft.source.domain)


def finish(draft, raw, default_source, default_language):
    """Fill what the input left open, and refuse what cannot be an article."""
    fields = draft.fields
    fields.setdefault("date_precision", DatePrecision.UNKNOWN)
    fields["url"] = raw.url or None
    if raw.captured_at and not fields.get("captured_at"):
        fields["captured_at"] = raw.captured_at
    if not fields.get("provenance"):
        fields["provenance"] = raw.provenance[:1000]
    if not fields.get("language"):
        fields["language"] = default_language or detect_language(fields.get("body", ""))
    if not draft.source.slug and not draft.source.name and not draft.source.alternatives:
        draft.source.name = default_source
    fields["title"] = re.sub(r"\s+", " ", fields.get("title") or "").strip()[:MAX_TITLE]
    if not fields["title"]:
        raise UnreadableInput("no title" if fields.get("body", "").strip() else "no text and no title")
    if not fields.get("body", "").strip():
        if not raw.fields or fields["date_precision"] == DatePrecision.UNKNOWN:
            raise UnreadableInput("no text: the record has a title but no body, summary or date")
        fields["body"] = ""
        draft.notes.append("a headline item: the source gives a title and a date, no text")
    if not fields.get("language"):
        fields["language"] = default_language or detect_language(fields["title"])
    if not fields["language"]:
        raise UnreadableInput("cannot tell the language; pass --language")
