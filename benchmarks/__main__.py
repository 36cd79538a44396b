"""python -m benchmarks --articles 10000 [--corpus FILE.jsonl.gz … [generated]] [--peers] [--stock-limit N]

Builds a throw-away archive (database + index under --var, never the project's var/),
measures it, prints a Markdown table and writes JSON. See README "Performance".
"""

import argparse
import os
import sys


def arguments(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000, help="how many articles to build the archive from")
    parser.add_argument(
        "--corpus",
        nargs="+",
        help="../shared/corpus/ JSONL(.gz) files instead of the generator, each taken whole in this order"
        " until --articles is reached (the last one fills), then mixed in a seeded shuffle;"
        " 'generated' stands for the generator",
    )
    parser.add_argument("--words", type=int, default=800, help="mean words per generated article")
    parser.add_argument("--peers", action="store_true", help="also build and query SQLite FTS5 and tantivy")
    parser.add_argument("--reuse", action="store_true", help="measure the archive already built under --var")
    parser.add_argument(
        "--view-only",
        action="store_true",
        help="with --reuse: only the query mix through the view (and the peers, reusing their indexes"
        " under --var); no gunicorn, no stock; prints per-kind medians and leaves benchmark.json alone",
    )
    parser.add_argument("--kinds", nargs="+", help="with --view-only: only the mix entries whose name contains one")
    parser.add_argument("--repeats", type=int, default=5, help="rounds of the query mix")
    parser.add_argument("--profile", action="store_true", help="with --view-only: pyinstrument over our view")
    parser.add_argument("--stock-limit", type=int, default=None, help="index at most this many for stock haystack")
    parser.add_argument("--no-stock", action="store_true", help="skip the stock haystack-Whoosh comparison")
    parser.add_argument("--port", type=int, default=8765, help="loopback port for the gunicorn measurement")
    parser.add_argument("--var", help="working directory (default /tmp/archive-benchmark-<articles>)")
    parser.add_argument("--json", help="where to write the JSON report (default <var>/benchmark.json)")
    return parser.parse_args(argv)


def main(argv=None):
    options = arguments(sys.argv[1:] if argv is None else argv)
    var = options.var or f"/tmp/archive-benchmark-{options.articles}"
    # The archive is built from scratch: these must be set before Django reads its settings.
    os.environ["ARCHIVE_VAR_DIR"] = var
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("SEARCH_URL", None)
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    # One client asks as fast as it can, on purpose: requests are still counted (that work is
    # part of a page), but a run repeated within the minute is not answered 429.
    os.environ["RATE_LIMIT_SEARCH"] = "1000000/60"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from benchmarks.run import run

    run(options, var)


if __name__ == "__main__":
    main()
