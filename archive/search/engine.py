"""The engine SEARCH_URL names, as one interface: pages never ask which engine they have.

Every engine object answers:
  search(request) → Results            related(article, limit) → [article ids]
  status() → (ok, details)             indexed_versions() → {article id: updated stamp}
  rebuild(batch_size, progress) → RebuildReport
An engine that truly cannot do one of these raises NotSupported (pages answer 501).
"""

from haystack import connections


def current_engine():
    return connections["default"].get_backend().archive_engine()
