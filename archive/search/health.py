"""Is the search engine answering? For /healthz and operators."""

from haystack import connections

from archive.search.whoosh.backend import ArchiveWhooshBackend
from archive.search.whoosh.searcher import snapshots


def index_status():
    """(ok, details). Whoosh: the live generation opens and its documents are counted;
    a cluster: haystack's backend answers a match-all count."""
    backend = connections["default"].get_backend()
    try:
        if isinstance(backend, ArchiveWhooshBackend):
            snapshot = snapshots.get(backend)
            return True, {"engine": "whoosh", "documents": int(snapshot.live.sum())}
        from haystack.query import SearchQuerySet

        return True, {"engine": type(backend).__name__, "documents": SearchQuerySet().count()}
    except Exception as error:
        return False, {"error": f"{type(error).__name__}: {error}"[:300]}
