"""index_doctor at size on Whoosh: what comparing ids, updated stamps and content hashes costs.

    .venv/bin/python -m benchmarks.bench_doctor --articles 20000 --corpus FILE.jsonl.gz … [--var DIR]

Builds a throw-away archive as `python -m benchmarks` does (database and index under
--var), then times a snapshot load (what a search worker pays after every index change;
it never reads the hash column), reading every document's content hash, and find_drift
once cold (it reads the hash columns) and once warm (kept per segment). Wall times: the
machine may be busy, so each figure is the best of REPEATS.
"""

import argparse
import os
import sys
import time


def arguments(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_doctor", description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--corpus", nargs="+", help="corpus files (or 'generated'), as for python -m benchmarks")
    parser.add_argument("--words", type=int, default=800, help="mean words per generated article")
    parser.add_argument("--var", help="working directory (default /tmp/archive-doctor-<articles>)")
    return parser.parse_args(argv)


REPEATS = 3


def best_ms(action, before=lambda: None):
    """The fastest of REPEATS runs of `action` (after `before`, untimed), in ms."""
    times = []
    for _ in range(REPEATS):
        before()
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return round(min(times), 1)


def measure():
    from archive.search.doctor import find_drift
    from archive.search.engine import current_engine
    from archive.search.whoosh.searcher import snapshots
    from archive.search.whoosh.segments import segments

    engine = current_engine()

    def forget():
        snapshots.clear()
        segments.clear()

    def fresh_snapshot():
        forget()
        engine.snapshot()

    drift = find_drift()
    return {
        "drift_total": drift.total,
        "snapshot_load_ms": best_ms(engine.snapshot, forget),
        "content_hashes_ms": best_ms(lambda: engine.snapshot().content_hashes(), fresh_snapshot),
        "find_drift_cold_ms": best_ms(find_drift, fresh_snapshot),
        "find_drift_warm_ms": best_ms(find_drift),
    }


def main(argv=None):
    options = arguments(sys.argv[1:] if argv is None else argv)
    var = options.var or f"/tmp/archive-doctor-{options.articles}"
    os.environ["ARCHIVE_VAR_DIR"] = var
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("SEARCH_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from benchmarks.run import build

    options.json = os.path.join(var, "doctor.json")
    result = build(options, var, options.json) | measure()
    for name, value in result.items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
