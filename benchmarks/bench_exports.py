"""How fast, and in how much memory, a capped export streams: CSV, JSON Lines and RIS of 50,000 hits.

    .venv/bin/python benchmarks/bench_exports.py --articles 60000 /work/shared/corpus/*.jsonl.gz
    ARCHIVE_VAR_DIR=/tmp/bench-exports-XXXX .venv/bin/python benchmarks/bench_exports.py --memory x  # reuse

Reads corpus records (the shared corpus schema: title, text, date, date_precision,
language, publisher, url) into a fresh database and index under a temporary directory,
then exports a match-all search (cut at the cap) and a word search through Django's test
client, reading the streamed body as a browser would. Nothing here is committed data;
the corpus stays outside the repository.
"""

import argparse
import gzip
import json
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ARCHIVE_VAR_DIR", tempfile.mkdtemp(prefix="bench-exports-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from haystack import connections  # noqa: E402

from archive.models import Article, DatePrecision, Source, content_hash_of  # noqa: E402

BATCH = 2000


def records(paths, limit):
    seen = set()
    for path in paths:
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                record = json.loads(line)
                body = record.get("text") or record.get("title") or ""
                digest = content_hash_of(body)
                if not body.strip() or digest in seen:
                    continue
                seen.add(digest)
                yield record, body, digest
                if len(seen) >= limit:
                    return


def article_from(record, body, digest, sources):
    publisher = (record.get("publisher") or "Unknown")[:200]
    if publisher not in sources:
        sources[publisher] = Source.objects.get_or_create(name=publisher)[0]
    date, precision = record.get("date"), record.get("date_precision") or "unknown"
    published_on = None
    if date and precision in ("day", "month", "year"):
        parts = [int(part) for part in date.split("-")] + [1, 1]
        published_on = __import__("datetime").date(parts[0], parts[1], parts[2])
    return Article(
        title=(record.get("title") or body[:80])[:500], body=body, source=sources[publisher],
        language=(record.get("language") or "en")[:8], published_on=published_on,
        date_precision=precision if published_on else DatePrecision.UNKNOWN, content_hash=digest,
        slug=str(len(body)), url=None,
    )  # fmt: skip


def load(paths, limit):
    sources, batch, started = {}, [], time.perf_counter()
    for record, body, digest in records(paths, limit):
        batch.append(article_from(record, body, digest, sources))
        if len(batch) == BATCH:
            Article.objects.bulk_create(batch)
            batch = []
    Article.objects.bulk_create(batch)
    print(f"loaded {Article.objects.count()} articles in {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    backend = connections["default"].get_backend()
    index = connections["default"].get_unified_index().get_index(Article)
    queryset = index.index_queryset().order_by("pk")
    for start in range(0, queryset.count(), BATCH):
        backend.update(index, list(queryset[start : start + BATCH]))
    print(f"indexed in {time.perf_counter() - started:.1f} s", flush=True)


def measure(client, url, trace_memory):
    if trace_memory:
        tracemalloc.start()
    started = time.perf_counter()
    response = client.get(url)
    first_byte, size, lines = None, 0, 0
    for chunk in response.streaming_content:
        first_byte = first_byte or time.perf_counter() - started
        size += len(chunk)
        lines += chunk.count(b"\n")
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if trace_memory else 0
    tracemalloc.stop()
    print(
        f"{url:40} rows~{lines:>6}  {elapsed:6.1f} s  first byte {first_byte:5.2f} s  "
        f"{size / 1e6:6.1f} MB  peak traced {peak / 1e6:6.1f} MB  total={response['X-Export-Total']}",
        flush=True,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="+", help="corpus .jsonl.gz files, read in order")
    parser.add_argument("--articles", type=int, default=60_000, help="how many distinct texts to load")
    parser.add_argument("--memory", action="store_true", help="trace peak Python memory (slows the run ~2x)")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if not Article.objects.exists():  # ARCHIVE_VAR_DIR of an earlier run: reuse its database and index
        load(args.corpus, args.articles)
    client = Client()
    for url in ["/search/export.csv", "/search/export.jsonl", "/search/export.ris", "/search/export.csv?q=security",
                "/search/export.csv?q=security&sort=relevance"]:  # fmt: skip
        measure(client, url, args.memory)


if __name__ == "__main__":
    main()
