"""The Whoosh engine behind archive.search.engine: one process's index, read as NumPy arrays."""

import numpy as np

from archive.search import semantic
from archive.search.document import IndexedVersion
from archive.search.whoosh import hybrid, tags, vectors
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

    def same_story(self, article, per_language=1):
        """Ids of articles in other languages telling the story of `article` (by their embeddings)."""
        if not semantic.available():
            return []
        snapshot = self.snapshot()
        docnums = np.flatnonzero((snapshot.pk == article.pk) & snapshot.live)
        if not len(docnums):
            return []
        aligned = vectors.aligned_vectors(snapshot, self.backend.path)
        return [
            int(snapshot.pk[d]) for d in hybrid.same_story_docnums(snapshot, aligned, int(docnums[0]), per_language)
        ]

    def vectors_pending(self, limit=None):
        """Indexed articles without a current vector (the first `limit`), for the embedding step."""
        return vectors.missing_pks(self.snapshot(), self.backend.path)[:limit]

    def write_vectors(self, pks, stamps, embedded):
        vectors.VectorStore(self.backend.path).append(pks, stamps, embedded)

    def stale_concepts(self):
        """The registry's concepts whose tags in the index are not current (search reads their terms meanwhile)."""
        self.backend.ensure_current()
        return tags.stale_concepts(self.backend.index_dir)

    def retag_concepts(self):
        """Bring stale concept tags up to date; returns how many articles were re-indexed."""
        return tags.retag(self.backend)

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
