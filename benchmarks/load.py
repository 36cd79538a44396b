"""Put benchmark articles into the database in bulk (no per-row signals, no outbox rows)."""

import itertools

from django.db import transaction
from django.utils.text import slugify

from archive.models import Actor, Article, ArticleActor, DatePrecision, Source, content_hash_of

BATCH = 2000


def load_articles(records):
    """Insert every record once (a text already loaded is skipped, as the archive would);
    returns how many articles the database now holds."""
    sources, actors, seen = {}, {}, set()
    for batch in _batches(_distinct(records, seen), BATCH):
        with transaction.atomic():
            for record in batch:
                _ensure_source(sources, record)
                for name in record["actors"]:
                    _ensure_actor(actors, name)
            articles = Article.objects.bulk_create([_article(record, sources) for record in batch])
            ArticleActor.objects.bulk_create(
                ArticleActor(article=article, actor=actors[name], mention_count=1)
                for article, record in zip(articles, batch, strict=True)
                for name in record["actors"]
            )
    return Article.objects.count()


def _distinct(records, seen):
    for record in records:
        if "content_hash" not in record:
            record["content_hash"] = content_hash_of(record["body"] + record["title"])
        if record["content_hash"] not in seen:
            seen.add(record["content_hash"])
            yield record


def _batches(iterable, size):
    iterator = iter(iterable)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _ensure_source(sources, record):
    name = record["source"]
    if name not in sources:
        sources[name] = Source.objects.get_or_create(name=name, defaults={"kind": record["source_kind"]})[0]


def _ensure_actor(actors, name):
    if name not in actors:
        actors[name] = Actor.objects.get_or_create(name=name, defaults={"kind": Actor.Kind.ORGANISATION})[0]


def _article(record, sources):
    return Article(
        title=record["title"],
        slug=slugify(record["title"])[:200] or "article",
        body=record["body"],
        source=sources[record["source"]],
        author=record["author"],
        language=record["language"],
        published_on=record["date"],
        date_precision=record["precision"] if record["date"] else DatePrecision.UNKNOWN,
        content_hash=record["content_hash"],
    )
