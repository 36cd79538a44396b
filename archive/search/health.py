"""Is the search engine answering? For /healthz and operators."""

from archive.search.engine import current_engine


def index_status():
    """(ok, details): the engine's own health answer (Whoosh: the live generation opens and
    its documents are counted; a cluster: its health and a document count)."""
    try:
        return True, current_engine().status()
    except Exception as error:
        return False, {"error": f"{type(error).__name__}: {error}"[:300]}
