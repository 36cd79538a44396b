"""The indexed document: what every engine stores for an article, built in one place.

Text fields hold the terms our own analysis produced (archive.search.analysis), so a
word, a phrase or a prefix matches the same articles on every engine; facet fields hold
the labels the facet registry names. Dates are yyyymmdd numbers (0 when unknown).
"""

from typing import NamedTuple

from archive.search.analysis import analysed_text
from archive.search.facets import FACETS

# Relevance: a word in the title counts three times one in the text, on every engine.
TEXT_FIELD_BOOSTS = {"title": 3.0, "text": 1.0, "author": 1.0}  # author: only when a query asks for it
# Cluster engines keep an article's embedding (archive.search.semantic) in its document,
# with the `updated` stamp of the version embedded; the indexer adds both after indexing.
VECTOR_FIELD, VECTOR_STAMP_FIELD = "vector", "vector_updated"
# Sorting oldest first puts undated articles last: they sort as this date.
UNDATED_LAST = 99_999_999


def text_fields(field):
    """The index fields a query word looks in: `title:` and `author:` narrow it, else title and text."""
    return {"title": ["title"], "author": ["author"]}.get(field, ["title", "text"])


def date_number(value):
    """20211201 for 1 Dec 2021; 0 for an unknown date."""
    return value.year * 10000 + value.month * 100 + value.day if value else 0


def timestamp_number(value):
    """Microseconds since the epoch, so the index can tell a stale copy of an article."""
    return int(value.timestamp() * 1_000_000) if value else 0


class IndexedVersion(NamedTuple):
    """Which version of an article an index entry was built from (what index_doctor compares)."""

    updated: int  # timestamp_number of the article's updated_at
    content_hash: str  # the article's content_hash (sha256 hex); "" when unknown (an entry indexed before it was kept)


def indexed_version(fields):
    """(pk, IndexedVersion) of an indexed document's fields as a cluster returns them."""
    return int(fields["pk"]), IndexedVersion(int(fields.get("updated") or 0), fields.get("content_hash") or "")


def article_identifier(pk):
    return f"archive.article.{pk}"


def indexed_document(prepared, article=None):
    """One article as every engine indexes it, from what ArticleIndex prepared (and, for
    facets registered with an `article_value`, the article itself)."""
    language = prepared.get("language") or ""
    start = date_number(prepared.get("date_start"))
    document = {
        "id": prepared["id"],
        "pk": int(prepared["django_id"]),
        "title": analysed_text(prepared.get("title") or "", language),
        "text": analysed_text(prepared.get("text") or "", language),
        "author": analysed_text(prepared.get("author") or "", language),
        "source": prepared.get("source") or "",
        "kind": prepared.get("source_kind") or "",
        "lang": language,
        "actors": list(prepared.get("actors") or []),
        "date_start": start,
        "date_end": date_number(prepared.get("date_end")),
        "year": start // 10000,
        "month": start // 100,
        "date_oldest": start or UNDATED_LAST,
        "dup_of": int(prepared.get("near_duplicate_of") or 0),
        "updated": timestamp_number(prepared.get("updated_at")),
        "content_hash": prepared.get("content_hash") or "",
    }
    for facet in FACETS.added():
        document[facet.field] = facet.article_value(article) if article is not None else ""
    return document


def story_fields(fields):
    """(pk, language, vector or None) of an indexed document's fields as a cluster returns them."""
    return int(fields["pk"]), fields.get("lang", ""), fields.get(VECTOR_FIELD)
