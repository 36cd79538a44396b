"""Find and repair drift between the database and the search index, on any engine.

The engine lists what it holds as {article id: IndexedVersion(updated stamp, content
hash)} (Whoosh from its arrays, a cluster through a scroll or a cursor). The stamp changes
whenever the article is saved; the hash also catches text changed without a save (a bulk
update, a restore) that the outbox never heard of. An entry written before the index kept
hashes has an unknown one ("") and is re-indexed.
"""

from dataclasses import dataclass

from django.db import transaction

from archive.models import Article, IndexTask
from archive.search.document import IndexedVersion, timestamp_number
from archive.search.engine import current_engine
from archive.search.outbox import drain_all, enqueue


@dataclass
class Drift:
    missing: list  # published articles the index lacks
    stale: list  # indexed from an older version of the article
    orphans: list  # indexed, but deleted or unpublished in the database
    unhashed: list  # of the stale, those indexed without a content hash (before it was kept)

    @property
    def total(self):
        return len(self.missing) + len(self.stale) + len(self.orphans)


def database_versions(articles):
    """{article id: IndexedVersion} of `articles` as the database has them."""
    return {
        pk: IndexedVersion(timestamp_number(updated), content_hash)
        for pk, updated, content_hash in articles.values_list("pk", "updated_at", "content_hash")
    }


def find_drift(engine=None):
    """Drift of `engine` (an engine, a haystack backend, or by default the configured one)."""
    engine = engine or current_engine()
    if hasattr(engine, "archive_engine"):
        engine = engine.archive_engine()
    indexed = engine.indexed_versions()
    in_database = database_versions(Article.objects.published())
    stale = sorted(pk for pk in in_database.keys() & indexed.keys() if in_database[pk] != indexed[pk])
    return Drift(
        missing=sorted(in_database.keys() - indexed.keys()),
        stale=stale,
        orphans=sorted(indexed.keys() - in_database.keys()),
        unhashed=[pk for pk in stale if not indexed[pk].content_hash],
    )


def repair(drift):
    with transaction.atomic():
        for pk in drift.missing + drift.stale:
            enqueue(pk, IndexTask.Action.UPDATE)
        for pk in drift.orphans:
            enqueue(pk, IndexTask.Action.DELETE)
    return drain_all()
