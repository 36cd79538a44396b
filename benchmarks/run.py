"""One benchmark run, start to finish: build, measure ours (and the peers), measure stock, report."""

import json
import os
import platform
import shutil
import time

from django.core.management import call_command

from benchmarks import measure, stock
from benchmarks.corpus import generate, mixed
from benchmarks.load import load_articles
from benchmarks.peers import PEERS
from benchmarks.queries import query_mix
from benchmarks.report import markdown, view_table


def run(options, var):
    if options.view_only:
        return view_only(options, var)
    path = options.json or os.path.join(var, "benchmark.json")
    if options.reuse:
        with open(path, encoding="utf-8") as file:
            result = json.load(file) | {"when": measure.today(), "machine": _machine()}
    else:
        result = build(options, var, path)
    peers = [peer(var) for peer in PEERS] if options.peers else []
    for peer in peers:
        _stage(f"build ({peer.name})", result, path)
        result.setdefault("peer_build", {})[peer.name] = peer.build()
    mix = query_mix()
    result["queries"] = [name for name, *_ in mix]
    _stage("queries through the view (ours" + "".join(f", {peer.name}" for peer in peers) + ")", result, path)
    result["ours_view"], result["peer_query"] = measure.view_latency(mix, peers, repeats=options.repeats)
    _stage("gunicorn (ours)", result, path)
    with measure.Gunicorn(options.port) as server:
        result["ours_http"] = measure.http_latency(server, mix)
        result["save_to_searchable_ms"] = measure.save_to_searchable(server)
        result["ours_http_after_saves"] = measure.http_latency(server, mix)
        result["worker_peak_rss_mb"] = server.worker_peak_rss_mb()
    if not options.no_stock:
        _stage("stock haystack-Whoosh: indexing", result, path)
        result["stock_index"] = stock.index_all(options.stock_limit or result["articles"])
        _stage("stock haystack-Whoosh: queries", result, path)
        result["stock_query"] = stock.latency(mix)
    _stage("done", result, path)
    print(markdown(result))
    print(f"\nJSON: {path}")


def view_only(options, var):
    """The fast loop while working on speed: the mix (or some kinds of it) through the view
    on an archive already built, the peers interleaved as in a full run, their indexes reused."""
    peers = [peer(var) for peer in PEERS] if options.peers else []
    for peer in peers:
        if not peer.open():
            _stage(f"build ({peer.name})")
            peer.build()
    mix = [entry for entry in query_mix() if not options.kinds or any(kind in entry[0] for kind in options.kinds)]
    profiler = None
    if options.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
    _stage("queries through the view")
    ours, theirs = measure.view_latency(mix, peers, repeats=options.repeats, profiler=profiler)
    if profiler is not None:
        print(profiler.output_text(unicode=False, color=False))
    print(view_table(ours, theirs))


def build(options, var, path):
    """A fresh database and index under `var` from the chosen articles; the build's figures."""
    shutil.rmtree(var, ignore_errors=True)
    os.makedirs(var)
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    started = time.perf_counter()
    if options.corpus:
        records = mixed(options.corpus, options.articles, words_per_article=options.words)
    else:
        records = generate(options.articles, words_per_article=options.words)
    result = {
        "when": measure.today(),
        "machine": _machine(),
        "corpus": " + ".join(map(_corpus_name, options.corpus)) if options.corpus else _generated(options),
        "articles": load_articles(records),
    }
    result["load_seconds"] = round(time.perf_counter() - started, 1)
    _stage("rebuild (ours)", result, path)
    result["ours_rebuild"] = measure.ours_rebuild()
    return result


def _corpus_name(source):
    return os.path.basename(source).removesuffix(".gz").removesuffix(".jsonl") if source != "generated" else "generated"


def _generated(options):
    return f"generator ({options.words} words/article)"


def _machine():
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def _stage(name, result=None, path=None):
    """Log the stage and keep what is measured so far, so a long run that is stopped still reports."""
    print(f"[{time.strftime('%H:%M:%S')}] {name}", flush=True)
    if result is not None:
        with open(path, "w", encoding="utf-8") as file:
            json.dump(result, file, indent=2, ensure_ascii=False)
