"""Article records for export: one dict per article, written as JSON Lines or CSV.

JSON Lines is the full dump (a backup that import_articles reads back); CSV carries the
same columns, with every cell made safe to open in a spreadsheet. A search result set is
exported with fewer columns (RESULT_COLUMNS), streamed row by row as it is read.
"""

import csv
import html
import json

from django.conf import settings
from django.utils.html import strip_tags

from archive.models import iso_at_precision

COLUMNS = [
    "id", "title", "source", "source_slug", "source_kind", "author", "date", "date_precision", "time", "date_note",
    "language", "section", "url", "actors", "actor_mentions", "content_hash", "lede", "body", "captions", "contact",
    "near_duplicate_of", "captured_at", "provenance",
]  # fmt: skip

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

RESULT_COLUMNS = [
    "title", "source", "author", "date", "date_precision", "language", "actors", "url", "permalink",
    "content_hash", "snippet",
]  # fmt: skip
FULL_TEXT_COLUMNS = ["lede", "body"]


def export_cap():
    """Most hits one export holds; a bigger result set is cut here, and the page says so."""
    return getattr(settings, "ARCHIVE_EXPORT_CAP", 50_000)


def article_record(article):
    mentions = list(article.actor_mentions.all())
    return {
        "id": article.pk,
        "title": article.title,
        "source": article.source.name,
        "source_slug": article.source.slug,
        "source_kind": article.source.kind,
        "author": article.author,
        "date": iso_at_precision(article.published_on, article.date_precision),
        "date_precision": article.date_precision,
        "time": article.published_time.strftime("%H:%M") if article.published_time else "",
        "date_note": article.date_note,
        "language": article.language,
        "section": article.section,
        "url": article.url or "",
        "actors": [mention.actor.name for mention in mentions],
        "actor_mentions": {mention.actor.slug: mention.mention_count for mention in mentions},
        "speakers": [mention.actor.slug for mention in mentions if mention.role == mention.Role.SPEAKER],
        "content_hash": article.content_hash,
        "lede": article.lede,
        "body": article.body,
        "captions": article.captions,
        "contact": article.contact,
        "near_duplicate_of": article.near_duplicate_of_id,
        "translation_of": article.translation_of_id,
        "captured_at": article.captured_at.isoformat() if article.captured_at else "",
        "provenance": article.provenance,
    }


def result_record(hit, permalink, full_text=False):
    """One search hit as the export row: what a researcher needs to cite and find it again."""
    article = hit.article
    record = {
        "id": article.pk,
        "title": article.title,
        "source": article.source.name,
        "author": article.author,
        "date": iso_at_precision(article.published_on, article.date_precision),
        "date_precision": article.date_precision,
        "language": article.language,
        "actors": actor_names_of(article),
        "url": article.url or "",
        "permalink": permalink,
        "content_hash": article.content_hash,
        "snippet": plain_text(hit.snippet),
    }
    if full_text:
        record.update(lede=article.lede, body=article.body)
    return record


def actor_names_of(article):
    names = getattr(article, "actor_names", None)  # set in bulk by archive.search.stream.iter_hits
    if names is None:
        names = [mention.actor.name for mention in article.actor_mentions.all()]  # uses a prefetch if made
    return names


def plain_text(fragment):
    """The highlighted snippet without its <mark> tags and entities."""
    return html.unescape(strip_tags(str(fragment)))


def export_queryset(queryset):
    return queryset.select_related("source").prefetch_related("actor_mentions__actor").order_by("pk")


def write_jsonl(records, stream):
    for record in records:
        stream.write(jsonl_line(record))


def jsonl_line(record):
    return json.dumps(record, ensure_ascii=False) + "\n"


def spreadsheet_safe(value):
    """Neutralise a cell a spreadsheet would run as a formula (=, +, -, @, tab, CR)."""
    text = value if isinstance(value, str) else str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def csv_cell(value):
    if isinstance(value, list):
        value = "; ".join(value)
    elif isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False)
    elif value is None:
        value = ""
    return spreadsheet_safe(value)


def write_csv(records, stream, columns=COLUMNS):
    writer = csv.writer(stream)
    writer.writerow(columns)
    for record in records:
        writer.writerow(csv_row(record, columns))


def csv_row(record, columns):
    return [csv_cell(record.get(column, "")) for column in columns]


class _Line:
    """A file-like target that hands back what csv.writer wrote, so rows can be streamed."""

    def write(self, text):
        return text


def csv_lines(records, columns):
    """The CSV header and rows as strings, one at a time, for a streaming response."""
    writer = csv.writer(_Line())
    yield writer.writerow(columns)
    for record in records:
        yield writer.writerow(csv_row(record, columns))
