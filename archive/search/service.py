"""The one entry point pages use to search: a request in, results out, whatever the engine.

SEARCH_URL picks the engine (archive.search.config); archive.search.engine hands it over;
pages call search() and related_articles() and never ask which engine answered.
"""

from django.core.cache import cache

from archive.search.engine import current_engine
from archive.search.errors import IndexUnavailable, NotSupported
from archive.search.request import SORTS, Hit, SearchRequest

__all__ = [
    "SORTS",
    "Hit",
    "IndexUnavailable",
    "NotSupported",
    "SearchRequest",
    "in_other_languages",
    "related_articles",
    "search",
]


def search(request):
    return current_engine().search(request)


# Related articles change only as the archive grows around an article: an article page
# reuses them this long (reading a long article's key terms' postings costs 0.1–0.3 s).
RELATED_CACHE_SECONDS = 600


def related_articles(article, limit=5):
    """Articles most like `article`; empty when the engine cannot say (the page still works)."""
    from archive.models import Article

    key = f"related:{article.pk}:{article.updated_at.timestamp() if article.updated_at else ''}:{limit}"
    pks = cache.get(key)
    if pks is None:
        try:
            pks = current_engine().related(article, limit)
        except (IndexUnavailable, NotSupported):
            return []
        cache.set(key, pks, RELATED_CACHE_SECONDS)
    found = Article.objects.published().select_related("source").in_bulk(pks)
    return [found[pk] for pk in pks if pk in found]


def in_other_languages(article, per_language=1):
    """The same story in other languages: its translations linked on import first, then articles
    whose meaning says they tell it (nearest first; none where the engine cannot say: no
    embeddings, or a cluster engine)."""
    from archive.models import Article

    linked = list(article.language_versions().published().exclude(pk=article.pk).select_related("source"))
    try:
        same_story = getattr(current_engine(), "same_story", None)
        pks = same_story(article, per_language) if same_story else []
    except (IndexUnavailable, NotSupported):
        pks = []
    seen = {article.pk, *(version.pk for version in linked)}
    found = Article.objects.published().select_related("source").in_bulk(pks)
    return linked + [found[pk] for pk in pks if pk in found and pk not in seen]
