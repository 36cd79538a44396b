"""The Whoosh engine behind archive.search.engine: one process's index, read as NumPy arrays."""

import numpy as np

from archive.search.document import IndexedVersion
from archive.search.whoosh.related import related_docnums
from archive.search.whoosh.results import WhooshResults
from archive.search.whoosh.searcher import snapshots


class WhooshEngine:
    name = "whoosh"

    def __init__(self, backend):
        self.backend = backend

    def snapshot(self):
        return snapshots.get(self.backend)

    def search(self, request):
        return WhooshResults(request, self, self.snapshot())

    def related(self, article, limit=5):
        snapshot = self.snapshot()
        return [int(snapshot.pk[docnum]) for docnum in related_docnums(snapshot, article, limit)]

    def status(self):
        return {"engine": self.name, "documents": int(self.snapshot().live.sum())}

    def indexed_versions(self):
        snapshot = self.snapshot()
        live = np.flatnonzero(snapshot.live)
        hashes = snapshot.content_hashes()
        return {
            pk: IndexedVersion(updated, hashes[docnum])
            for docnum, pk, updated in zip(
                live.tolist(), snapshot.pk[live].tolist(), snapshot.updated[live].tolist(), strict=True
            )
        }

    def rebuild(self, batch_size=500, progress=None):
        from archive.search.whoosh.rebuild import rebuild

        return rebuild(batch_size, progress, self.backend)
