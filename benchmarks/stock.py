"""The comparison: django-haystack's own Whoosh backend, on its own index, fed the same articles.

It is configured as a second haystack connection inside the benchmark process only, and
queried the way a stock haystack faceted search page would: SearchQuerySet with four
field facets, a yearly date facet (the histogram), highlighting, count and one page.
"""

import datetime
import os
import shutil
import time

from django.conf import settings
from haystack import connections
from haystack.query import SearchQuerySet

from archive.models import Article
from benchmarks.measure import REPEATS, cpu_seconds, directory_size, percentiles

STOCK = "stock"
FACETS = ("source", "source_kind", "language", "actors")


def configure():
    path = os.path.join(settings.VAR_DIR, "stock_whoosh_index")
    shutil.rmtree(path, ignore_errors=True)
    connections.connections_info[STOCK] = {"ENGINE": "haystack.backends.whoosh_backend.WhooshEngine", "PATH": path}
    return path


def index_all(limit, batch=1000):
    """Index the first `limit` articles with haystack's backend; documents per second."""
    path = configure()
    backend = connections[STOCK].get_backend()
    article_index = connections[STOCK].get_unified_index().get_index(Article)
    backend.setup()
    started, cpu = time.perf_counter(), cpu_seconds()
    queryset = article_index.index_queryset().filter(pk__in=Article.objects.order_by("pk").values("pk")[:limit])
    documents = 0
    for offset in range(0, limit, batch):
        chunk = list(queryset[offset : offset + batch])
        if not chunk:
            break
        backend.update(article_index, chunk)
        documents += len(chunk)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    return {
        "documents": documents,
        "cpu_ms_per_doc": round(cpu * 1000 / max(documents, 1), 1),
        "seconds": round(seconds, 1),
        "docs_per_s": round(documents / seconds, 1),
        "index_mb": round(directory_size(path) / 2**20, 1),
    }


def run_query(query, narrow):
    results = SearchQuerySet(using=STOCK).raw_search(query)
    for field in FACETS:
        results = results.facet(field)
    results = results.date_facet(
        "date_start", start_date=datetime.date(2000, 1, 1), end_date=datetime.date(2026, 12, 31), gap_by="year"
    ).highlight()
    for narrowing in narrow:
        results = results.narrow(narrowing)
    total = results.count()
    page = list(results[:20])
    return total, page, results.facet_counts()


def latency(mix):
    samples, cpu_samples = [], []
    for _ in range(REPEATS):
        for _, _, query, narrow in mix:
            started, cpu = time.perf_counter(), time.process_time()
            run_query(query, narrow)
            samples.append((time.perf_counter() - started) * 1000)
            cpu_samples.append((time.process_time() - cpu) * 1000)
    return percentiles(samples) | {"cpu": percentiles(cpu_samples)}
