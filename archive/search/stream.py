"""Every hit of a search, in the page's order, fetched from the database in batches.

Pages show twenty hits; exports and feeds want all of them (up to a cap). The engine
streams the ranked ids (Whoosh from its arrays, a cluster page by page through a
point-in-time or a cursor); articles are loaded a batch at a time, so 50,000 hits never
means 50,000 Article objects in memory at once.
"""

from collections import defaultdict
from itertools import islice

from archive.models import Article, ArticleActor
from archive.search.highlight import snippet
from archive.search.request import Hit

BATCH_SIZE = 500
# Highlighting stems every word it scans; over a whole 40,000-character speech that is ~30 ms
# a row, so an export looks for its snippet in the opening of each text only.
SNIPPET_SCAN_CHARS = 3000


def iter_hits(results, limit, batch_size=BATCH_SIZE, with_snippets=True):
    """Hits (article with source and `actor_names`, plain snippet) for the first `limit` results."""
    pks = results.iter_pks(limit)
    queryset = Article.objects.select_related("source")
    while batch := list(islice(pks, batch_size)):
        articles = queryset.in_bulk(batch)
        names = actor_names(batch)
        for pk in batch:
            article = articles.get(pk)
            if article is None:
                continue  # deleted since the index was read; the outbox is removing it
            article.actor_names = names.get(pk, [])
            text = " ".join(filter(None, [article.lede, article.body]))[:SNIPPET_SCAN_CHARS] if with_snippets else ""
            yield Hit(article, snippet(text, results.matcher, article.language) if with_snippets else "")


def actor_names(pks):
    """Each article's actor names, most mentioned first, in one query for the whole batch.

    A prefetch would build a related manager per article, which costs more than the export row.
    """
    names = defaultdict(list)
    mentions = ArticleActor.objects.filter(article_id__in=pks).order_by("-mention_count", "actor__name")
    for article_id, name in mentions.values_list("article_id", "actor__name"):
        names[article_id].append(name)
    return names
