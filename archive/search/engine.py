"""The engine SEARCH_URL names, as one interface: pages never ask which engine they have.

Every engine object answers:
  search(request) → Results            related(article, limit) → [article ids]
  status() → (ok, details)             indexed_versions() → {article id: IndexedVersion}
  rebuild(batch_size, progress) → RebuildReport
An engine that truly cannot do one of these raises NotSupported (pages answer 501).
"""

from dataclasses import dataclass

from haystack import connections


@dataclass
class RebuildReport:
    documents: int
    seconds: float
    caught_up: int  # changes saved during the rebuild, applied after the swap
    generation: str  # the new generation, index or collection

    @property
    def documents_per_second(self):
        return self.documents / self.seconds if self.seconds else 0.0


def current_engine():
    return connections["default"].get_backend().archive_engine()
