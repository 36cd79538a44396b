"""One benchmark run, start to finish: build, measure ours, measure stock, report."""

import json
import os
import platform
import shutil
import time

from django.core.management import call_command

from benchmarks import measure, stock
from benchmarks.corpus import generate, read_corpus
from benchmarks.load import load_articles
from benchmarks.queries import query_mix
from benchmarks.report import markdown


def run(options, var):
    shutil.rmtree(var, ignore_errors=True)
    os.makedirs(var)
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    started = time.perf_counter()
    records = (
        read_corpus(options.corpus, options.articles)
        if options.corpus
        else generate(options.articles, words_per_article=options.words)
    )
    articles = load_articles(records)
    result = {
        "when": measure.today(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "corpus": options.corpus or f"generator ({options.words} words/article)",
        "articles": articles,
        "load_seconds": round(time.perf_counter() - started, 1),
    }
    path = options.json or os.path.join(var, "benchmark.json")
    _stage("rebuild (ours)")
    result["ours_rebuild"] = measure.ours_rebuild()
    mix = query_mix()
    result["queries"] = [name for name, *_ in mix]
    _stage("queries through the view (ours)", result, path)
    result["ours_view"] = measure.view_latency(mix)
    _stage("gunicorn (ours)", result, path)
    with measure.Gunicorn(options.port) as server:
        result["ours_http"] = measure.http_latency(server, mix)
        result["save_to_searchable_ms"] = measure.save_to_searchable(server)
        result["ours_http_after_saves"] = measure.http_latency(server, mix)
        result["worker_peak_rss_mb"] = server.worker_peak_rss_mb()
    if not options.no_stock:
        _stage("stock haystack-Whoosh: indexing", result, path)
        result["stock_index"] = stock.index_all(options.stock_limit or articles)
        _stage("stock haystack-Whoosh: queries", result, path)
        result["stock_query"] = stock.latency(mix)
    with open(path, "w", encoding="utf-8") as file:
        json.dump(result, file, indent=2, ensure_ascii=False)
    print(markdown(result))
    print(f"\nJSON: {path}")


def _stage(name, result=None, path=None):
    """Log the stage and keep what is measured so far, so a long run that is stopped still reports."""
    print(f"[{time.strftime('%H:%M:%S')}] {name}", flush=True)
    if result is not None:
        with open(path, "w", encoding="utf-8") as file:
            json.dump(result, file, indent=2, ensure_ascii=False)
