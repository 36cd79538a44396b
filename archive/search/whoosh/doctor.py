"""Find and repair drift between the database and the search index."""

from dataclasses import dataclass

from django.db import transaction

from archive.models import Article, IndexTask
from archive.search.outbox import drain_all, enqueue
from archive.search.whoosh.backend import timestamp_number
from archive.search.whoosh.searcher import snapshots


@dataclass
class Drift:
    missing: list  # published articles the index lacks
    stale: list  # indexed from an older version of the article
    orphans: list  # indexed, but deleted or unpublished in the database

    @property
    def total(self):
        return len(self.missing) + len(self.stale) + len(self.orphans)


def find_drift(backend):
    snapshot = snapshots.get(backend)
    indexed = {int(snapshot.pk[docnum]): int(snapshot.updated[docnum]) for docnum in snapshot.live.nonzero()[0]}
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
