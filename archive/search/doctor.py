"""Find and repair drift between the database and the search index, on any engine.

The engine lists what it holds as {article id: updated stamp} (Whoosh from its arrays, a
cluster through a scroll or a cursor); the stamp changes whenever the article does.
"""

from dataclasses import dataclass

from django.db import transaction

from archive.models import Article, IndexTask
from archive.search.document import timestamp_number
from archive.search.engine import current_engine
from archive.search.outbox import drain_all, enqueue


@dataclass
class Drift:
    missing: list  # published articles the index lacks
    stale: list  # indexed from an older version of the article
    orphans: list  # indexed, but deleted or unpublished in the database

    @property
    def total(self):
        return len(self.missing) + len(self.stale) + len(self.orphans)


def find_drift(engine=None):
    """Drift of `engine` (an engine, a haystack backend, or by default the configured one)."""
    engine = engine or current_engine()
    if hasattr(engine, "archive_engine"):
        engine = engine.archive_engine()
    indexed = engine.indexed_versions()
    in_database = {pk: timestamp_number(updated) for pk, updated in
                   Article.objects.published().values_list("pk", "updated_at")}  # fmt: skip
    return Drift(
        missing=sorted(in_database.keys() - indexed.keys()),
        stale=sorted(pk for pk in in_database.keys() & indexed.keys() if in_database[pk] != indexed[pk]),
        orphans=sorted(indexed.keys() - in_database.keys()),
    )


def repair(drift):
    with transaction.atomic():
        for pk in drift.missing + drift.stale:
            enqueue(pk, IndexTask.Action.UPDATE)
        for pk in drift.orphans:
            enqueue(pk, IndexTask.Action.DELETE)
    return drain_all()
