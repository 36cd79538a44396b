"""The one entry point pages use to search: a request in, results out, whatever the engine.

SEARCH_URL picks the engine (archive.search.config); archive.search.engine hands it over;
pages call search() and related_articles() and never ask which engine answered.
"""

from archive.search.engine import current_engine
from archive.search.errors import IndexUnavailable, NotSupported
from archive.search.request import SORTS, Hit, SearchRequest

__all__ = ["SORTS", "Hit", "IndexUnavailable", "NotSupported", "SearchRequest", "related_articles", "search"]


def search(request):
    return current_engine().search(request)


def related_articles(article, limit=5):
    """Articles most like `article`; empty when the engine cannot say (the page still works)."""
    from archive.models import Article

    try:
        pks = current_engine().related(article, limit)
    except (IndexUnavailable, NotSupported):
        return []
    found = Article.objects.published().select_related("source").in_bulk(pks)
    return [found[pk] for pk in pks if pk in found]
