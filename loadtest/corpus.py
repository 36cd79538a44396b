"""Real articles for load runs and benchmarks: a deterministic mix of corpus files, loaded in bulk.

Mixing needs no Django (the load run's driver does it); loading runs inside the project.
The files are JSONL(.gz) records of ../shared/corpus/ (title, text, date, date_precision,
language, publisher, url; see its SOURCES.md). Each file is shuffled with a fixed seed and
the files are interleaved one record at a time, so the first N records of a mix hold every
file while it lasts, and the same arguments always give the same articles.
"""

import datetime
import gzip
import itertools
import json
import random

MIX_SEED = 20261130
BATCH = 1000


def usable_lines(path):
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as lines:
        return [line for line in lines if line.strip()]


def mixed_lines(paths, seed=MIX_SEED):
    """Every record line of the files, interleaved one file at a time, each file in a seeded shuffle."""
    per_file = []
    for path in paths:
        lines = usable_lines(path)
        random.Random(seed).shuffle(lines)
        per_file.append(lines)
    for group in itertools.zip_longest(*per_file):
        yield from (line for line in group if line is not None)


def split_mix(paths, first, then, seed=MIX_SEED):
    """(the mix's first `first` lines, the `then` lines after them)."""
    lines = mixed_lines(paths, seed)
    return list(itertools.islice(lines, first)), list(itertools.islice(lines, then))


def article_from(record, sources):
    from django.utils.text import slugify

    from archive.models import Article, DatePrecision, Source, content_hash_of

    precision = record.get("date_precision") or DatePrecision.UNKNOWN
    date = None
    if record.get("date"):
        parts = [int(part) for part in record["date"].split("-")] + [1, 1]
        date = datetime.date(*parts[:3])
    body = (record.get("text") or record.get("title") or "").strip()
    title = (record.get("title") or body[:80] or "Untitled")[:500]
    publisher = (record.get("publisher") or record.get("dataset") or "Unknown")[:200]
    if publisher not in sources:
        sources[publisher] = Source.objects.get_or_create(name=publisher)[0]
    return Article(
        title=title,
        slug=slugify(title)[:200] or "article",
        body=body,
        source=sources[publisher],
        language=(record.get("language") or "en")[:8],
        published_on=date,
        date_precision=precision if date else DatePrecision.UNKNOWN,
        content_hash=content_hash_of(body),
        url=record.get("url") or None,
    )


def bulk_load(lines, keys=True):
    """Insert the records as articles, fast (no per-row signals, history or outbox rows), then (with `keys`)
    their near-duplicate keys. A text or URL already loaded is skipped. Returns the number of articles added."""
    from django.db import transaction

    from archive.ingest.dedupe import fill_missing_keys
    from archive.models import Article, NearDuplicateKeys

    sources, hashes, urls = {}, set(Article.objects.values_list("content_hash", flat=True)), set()
    urls.update(Article.objects.exclude(url=None).values_list("url", flat=True))
    added = 0
    for start in range(0, len(lines), BATCH):
        batch = []
        for line in lines[start : start + BATCH]:
            article = article_from(json.loads(line), sources)
            if not article.body or article.content_hash in hashes or (article.url and article.url in urls):
                continue
            hashes.add(article.content_hash)
            urls.add(article.url)
            batch.append(article)
        with transaction.atomic():
            added += len(Article.objects.bulk_create(batch))
    if keys:
        fill_missing_keys(Article, NearDuplicateKeys)
    return added
