"""python -m benchmarks.xlang_scale --var DIR — the "all languages" search page on a large archive.

Runs against an archive that already exists under DIR (ARCHIVE_VAR_DIR: db.sqlite3 and
whoosh_index, e.g. one built by `python -m benchmarks --corpus … --articles 100000`).
It writes a vector store into that index's home, so copy the archive first (`cp -a`).

Embedding 100,000 real articles takes hours on two cores, so the store is filled with
vectors that cost the same arithmetic: by default `--vectors real` embeds a real sample of
the archive's own articles and gives every article one of them plus noise (renormalised);
`--vectors random` uses random unit vectors. What the vectors hold does not change the
cost of the search (the same rows are read and multiplied); quality figures come from the
cross-lingual test set (python -m benchmarks.xlang), and how well coarse indexes would
find the true nearest is measured on the real sample alone (the store scans exactly).

Then it measures, through the real Django view, the benchmark's query mix
(benchmarks/queries.py) with All languages ticked and, interleaved, the same queries
without it, each page asking first for half the queries (--order: who asks first pays the
words' first reads for both), after the warm-up and gc.freeze() of gunicorn's master
(config/preload.py); each query's embedding is computed once before timing (a worker caches it; a
new query costs the model's time once, printed apart), and SQLite FTS5 on the same mix
(engine only, as `python -m benchmarks --peers` does) when the archive holds its index.
Last, two gunicorn workers (port
--port) answer the All languages mix and their memory is read from /proc: RSS and PSS
(the page cache's shared pages divided between the processes that map them).
"""

import argparse
import os
import sys
import time

REPEATS = 5


def fill_vectors(mode, sample_size, seed=15):
    """Give every indexed article a current vector; returns (articles, seconds embedding the sample, the sample)."""
    import numpy as np
    from haystack import connections

    from archive.models import Article
    from archive.search import semantic
    from archive.search.whoosh.searcher import snapshots
    from archive.search.whoosh.vectors import VectorStore

    backend = connections["default"].get_backend()
    snapshot = snapshots.get(backend)
    live = np.flatnonzero(snapshot.live)
    generator = np.random.default_rng(seed)
    embedding_seconds, sample = 0.0, None
    if mode == "real":
        chosen = generator.choice(snapshot.pk[live], min(sample_size, len(live)), replace=False).tolist()
        articles = Article.objects.filter(pk__in=chosen).only("title", "lede", "body")
        started = time.perf_counter()
        sample = semantic.embed_passages(semantic.passage_text(a.title, a.lede, a.body) for a in articles)
        embedding_seconds = time.perf_counter() - started
        held = sample[generator.integers(len(sample), size=len(live))]
        held += generator.standard_normal(held.shape).astype(np.float32) * (0.3 / np.sqrt(semantic.DIMENSIONS))
    else:
        held = generator.standard_normal((len(live), semantic.DIMENSIONS)).astype(np.float32)
    held /= np.linalg.norm(held, axis=1, keepdims=True)
    store = VectorStore(backend.path)
    store.append(snapshot.pk[live], snapshot.updated[live], held)
    store.merge()
    return len(live), embedding_seconds, sample


def coarse_recall(sample, k=20, candidates=40, probes=4, seed=15):
    """How many of the exact k nearest two coarse indexes find, over real vectors (`sample`,
    embedded real articles) and the cross-lingual test set's queries: {"PCA-64, re-ranking
    `candidates`": …, "k-means (√n lists), reading `probes`": …}. Why the store scans exactly.
    The copies-plus-noise that fill a large store cannot say this: their neighbours differ by noise."""
    import numpy as np

    from archive.search import semantic
    from tests.xlang_corpus import judged_queries

    mean = sample.mean(axis=0)
    components = np.linalg.svd(sample - mean, full_matrices=False)[2][:64]
    compact = (sample - mean) @ components.T
    generator = np.random.default_rng(seed)
    centroids = sample[generator.choice(len(sample), int(np.sqrt(len(sample))), replace=False)].copy()
    for _ in range(8):  # spherical k-means
        nearest = np.argmax(sample @ centroids.T, axis=1)
        for position in range(len(centroids)):
            if (nearest == position).any():
                centre = sample[nearest == position].sum(axis=0)
                centroids[position] = centre / np.linalg.norm(centre)
    lists = np.argmax(sample @ centroids.T, axis=1)
    found = {"pca": [], "lists": []}
    for _, _, text, _ in judged_queries():
        query = semantic.embed_query(text)
        exact = set(np.argsort(-(sample @ query))[:k].tolist())
        rough = np.argsort(-(compact @ (components @ query)))[:candidates]
        found["pca"].append(len(exact & set(rough[np.argsort(-(sample[rough] @ query))[:k]].tolist())) / k)
        rows = np.flatnonzero(np.isin(lists, np.argsort(-(centroids @ query))[:probes]))
        found["lists"].append(len(exact & set(rows[np.argsort(-(sample[rows] @ query))[:k]].tolist())) / k)
    return {
        f"PCA-64, re-ranking {candidates} candidates": float(np.mean(found["pca"])),
        f"k-means, reading {probes} of {len(centroids)} lists": float(np.mean(found["lists"])),
    }


def page_latency(mix, order="both"):
    """{"xlang": figures, "words": figures, "fts5": figures} of the mix through the Django view,
    interleaved. A query's first request pays the first reads of its words from the segments
    (both pages read the same words), so whichever page asks first pays them for both. `order`
    "both" times the mix twice from cold caches, the first time with All languages asked first
    for every other query and the words first for the rest, the second time the other way
    round, so each page pays each query's first reads once; "xlang" or "words" times it once,
    always asking that page first. FTS5 (its own caches) answers after them."""
    import logging

    from django.conf import settings
    from django.test import Client

    from archive.search import semantic
    from benchmarks.measure import CollectorPauses, Timings
    from benchmarks.peers import Fts5
    from benchmarks.queries import url_of
    from config.preload import freeze_loaded_objects, warm_ingest

    warm_ingest(logging.getLogger(__name__))  # what gunicorn's master does before it forks a worker
    freeze_loaded_objects()
    client = Client()
    first_ms = cold_start(client)
    embed_ms = []
    for _, params, _, _ in mix:  # each query's embedding, as a worker caches it
        started = time.perf_counter()
        semantic.embed_query(" ".join(word.rstrip("*") for word in params["q"].replace('"', " ").split()))
        embed_ms.append((time.perf_counter() - started) * 1000)
    fts5 = Fts5(settings.VAR_DIR)
    ways = {"xlang": {"xlang": "1"}, "words": {}}
    has_fts5 = fts5.open()  # the peer the target names, when the archive was built with --peers
    timings = {way: Timings() for way in (*ways, "fts5") if way in ways or has_fts5}
    statuses = set()
    with CollectorPauses() as pauses:
        for number, first in enumerate(("xlang", "words") if order == "both" else (order,)):
            if number:
                cold_start(client)
            for _ in range(REPEATS):
                for name, params, _, _ in mix:
                    for way in asking_order(first, params["q"], mix, order == "both"):
                        with timings[way].timing(name):
                            statuses.add(client.get(url_of({**params, **ways[way]})).status_code)
                    if has_fts5:
                        with timings["fts5"].timing(name):
                            fts5.search(params)
    figures = {way: timing.figures() | {"rounds": by_round(timing, len(mix))} for way, timing in timings.items()}
    return figures | {
        "first_request_ms": round(first_ms, 1),
        "statuses": sorted(statuses),
        "embed_ms": embed_ms,
        "collections": pauses.summary(),
    }


def cold_start(client):
    """Forget every read a worker keeps (a new worker's state), then load the snapshot; its ms."""
    from archive.search.whoosh import vectors
    from archive.search.whoosh.searcher import snapshots
    from benchmarks.queries import url_of

    snapshots.clear()
    vectors.clear()
    started = time.perf_counter()
    client.get(url_of({"q": "warm", "xlang": "1"}))
    return (time.perf_counter() - started) * 1000


def asking_order(first, words, mix, alternate):
    """Our two pages in the order they answer one query: `first` first, or, when `alternate`,
    for every other query's words (in the order the mix first asks them) the other page first."""
    other = "words" if first == "xlang" else "xlang"
    distinct = list(dict.fromkeys(params["q"] for _, params, _, _ in mix))
    return [other, first] if alternate and distinct.index(words) % 2 else [first, other]


def by_round(timing, queries):
    """{"first": (p50, p95) of each pass's first round, "later": of the rounds after it}: a query's
    first request pays its words' first reads from the segments and the first scan; later
    ones are a query asked again (a next page, a refinement)."""
    from benchmarks.measure import percentiles

    split = {"first": [], "later": []}
    for number, ms in enumerate(timing.wall):
        split["later" if number // queries % REPEATS else "first"].append(ms)
    return {name: (found["p50"], found["p95"]) for name, found in ((n, percentiles(v)) for n, v in split.items())}


def worker_memory(port, mix):
    """{"words": [...], "xlang": [...]}: each gunicorn worker's (RSS MB, PSS MB, vector mappings' RSS MB,
    their PSS MB) after the mix without All languages, then after it with."""
    from benchmarks.measure import Gunicorn
    from benchmarks.queries import url_of

    memory = {}
    with Gunicorn(port, workers=2) as server:
        children = open(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read().split()  # noqa: SIM115
        for way, extra in (("words", {}), ("xlang", {"xlang": "1"})):
            for _ in range(2):
                for _, params, _, _ in mix:
                    server.get(url_of({**params, **extra}))
            memory[way] = [memory_of(pid) for pid in children]
    return memory


def memory_of(pid):
    totals = {"Rss": 0, "Pss": 0}
    vectors = {"Rss": 0, "Pss": 0}
    in_vectors = False
    with open(f"/proc/{pid}/smaps") as smaps:
        for line in smaps:
            fields = line.split()
            if "-" in fields[0] and len(fields) >= 5:  # a mapping's header line
                in_vectors = len(fields) >= 6 and "/vectors/" in fields[5]
            elif fields[0].rstrip(":") in totals:
                kilobytes = int(fields[1])
                totals[fields[0].rstrip(":")] += kilobytes
                if in_vectors:
                    vectors[fields[0].rstrip(":")] += kilobytes
    return tuple(round(value / 1024, 1) for value in (totals["Rss"], totals["Pss"], vectors["Rss"], vectors["Pss"]))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.xlang_scale", description=__doc__.splitlines()[0])
    parser.add_argument("--var", required=True, help="the archive (ARCHIVE_VAR_DIR); a copy, it gets a vector store")
    parser.add_argument("--vectors", choices=("real", "random"), default="real")
    parser.add_argument("--sample", type=int, default=1500, help="real articles embedded for --vectors real")
    parser.add_argument("--port", type=int, default=8300, help="port for the two gunicorn workers")
    parser.add_argument("--no-fill", action="store_true", help="keep the vector store already there")
    parser.add_argument(
        "--order",
        choices=("both", "xlang", "words"),
        default="both",
        help="which page asks each query first (it pays the words' first reads for both): both orders"
        " from cold caches, or always this page",
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the gunicorn workers' memory")
    options = parser.parse_args(sys.argv[1:] if argv is None else argv)
    os.environ["ARCHIVE_VAR_DIR"] = options.var
    for name in ("DATABASE_URL", "SEARCH_URL", "CACHE_URL"):
        os.environ.pop(name, None)
    os.environ["RATE_LIMIT_SEARCH"] = "0/60"  # one client asking as fast as it can, on purpose
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from archive.models import Concept

    call_command("migrate", verbosity=0)
    from benchmarks.queries import query_mix

    print(f"load average at the start: {os.getloadavg()}")
    call_command("collectstatic", interactive=False, verbosity=0)  # the page's templates need the manifest
    if not Concept.objects.exists():
        call_command("load_concepts", verbosity=0)
    if not options.no_fill:
        count, seconds, sample = fill_vectors(options.vectors, options.sample)
        print(f"vectors for {count:,} articles ({options.vectors}; sample embedded in {seconds:.1f} s)")
        if sample is not None:
            for way, found in coarse_recall(sample).items():
                print(f"{way}, on {len(sample)} real vectors: finds {found:.3f} of the exact 20 nearest")
    mix = query_mix()
    figures = page_latency(mix, options.order)
    for way, what in (("xlang", "page"), ("words", "page"), ("fts5", "engine only")):
        if way in figures:
            f = figures[way]
            print(f"{way:6} {what} p50 {f['p50']} ms, p95 {f['p95']} ms, p99 {f['p99']} ms; slowest {f['slowest']}")
            first, later = f["rounds"]["first"], f["rounds"]["later"]
            print(f"{'':6} p50 / p95: first rounds {first[0]} / {first[1]} ms, later {later[0]} / {later[1]} ms")
    print(f"xlang slowest requests (wall ms, CPU ms, kind, round): {figures['xlang']['slowest_requests'][:6]}")
    print(f"xlang kinds' p50: {figures['xlang']['per_kind_p50']}")
    embed = sorted(figures["embed_ms"])
    print(f"first request {figures['first_request_ms']} ms; statuses {figures['statuses']}")
    print(f"embedding each new query (once per worker): p50 {embed[len(embed) // 2]:.0f} ms, max {embed[-1]:.0f} ms")
    print(f"garbage collections during the timing (generation: count, longest ms): {figures['collections']}")
    print(f"load average after the page timing: {os.getloadavg()}")
    if options.no_memory:
        return
    for way, workers in worker_memory(options.port, mix).items():
        for number, (rss, pss, vector_rss, vector_pss) in enumerate(workers, 1):
            print(
                f"after the {way} mix, gunicorn worker {number}: RSS {rss} MB, PSS {pss} MB; "
                f"of which the memory-mapped vectors RSS {vector_rss} MB, PSS {vector_pss} MB"
            )
    print(f"load average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
