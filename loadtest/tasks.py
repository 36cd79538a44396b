"""Database-side steps of the load-and-fault run, executed inside the project's settings.

    python -m loadtest.tasks seed 3000            # generated articles, queued for the indexer
    python -m loadtest.tasks seed-corpus FILE     # real records (JSONL lines), in bulk
    python -m loadtest.tasks queue 2000           # articles whose index tasks only the indexer may apply
    python -m loadtest.tasks rollback TOKEN       # an editor's transaction that fails after saving
    python -m loadtest.tasks status               # JSON: queued tasks, drift between index and database

Everything here goes through the models, signals and outbox the site uses.
"""

import datetime
import json
import os
import random
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
django.setup()

from django.db import transaction  # noqa: E402

from archive.models import Article, DatePrecision, IndexTask, Source  # noqa: E402
from archive.search import outbox  # noqa: E402
from archive.search.doctor import find_drift  # noqa: E402
from loadtest.corpus import bulk_load  # noqa: E402

WORDS = [
    "nato",
    "alliance",
    "baltic",
    "security",
    "defence",
    "ministry",
    "russia",
    "sanctions",
    "treaty",
    "arms",
    "control",
    "missile",
    "deterrence",
    "exercise",
    "brigade",
    "border",
    "estonia",
    "latvia",
    "lithuania",
    "finland",
    "sweden",
    "poland",
    "ukraine",
    "kaliningrad",
    "suwalki",
    "summit",
    "statement",
    "minister",
    "cooperation",
    "eastern",
    "flank",
    "air",
    "policing",
    "cyber",
    "hybrid",
    "threat",
    "energy",
    "pipeline",
    "troops",
    "deployment",
    "readiness",
    "budget",
    "procurement",
    "artillery",
    "drones",
    "navy",
    "frigate",
    "sea",
    "corridor",
    "agreement",
]
SOURCES = (("Load Ministry", "ministry"), ("Load News", "news"), ("Load Agency", "agency"))
LANGUAGES = ("en", "en", "en", "ru", "lv", "fi")


SYLLABLES = ["ka", "lo", "mi", "ter", "vus", "an", "del", "ro", "pe", "stan", "gor", "li", "ne", "vak", "tu", "sor"]


def filler_vocabulary(rng, size=3000):
    """Made-up words, so that, as in real text, a query word matches a fraction of the articles."""
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def generated_article(number, rng, sources, vocabulary):
    # Zipf-like: a few filler words are common, most are rare; one word in twenty is a
    # security term, so "nato" finds about one article in six.
    words = [
        rng.choice(WORDS) if rng.random() < 0.05 else vocabulary[int(rng.paretovariate(1.1)) % len(vocabulary)]
        for _ in range(rng.randint(80, 260))
    ]
    year = rng.choice(range(2014, 2025))
    return Article(
        title=f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} {rng.choice(vocabulary)} report {number}",
        body=f"{' '.join(words)} serial{number:06d}",
        source=rng.choice(sources),
        language=rng.choice(LANGUAGES),
        published_on=datetime.date(year, rng.randint(1, 12), rng.randint(1, 28)),
        date_precision=DatePrecision.DAY,
    )


def create_articles(count, first_number):
    """`count` new articles in one transaction; their index tasks wait for run_indexer."""
    rng = random.Random(first_number)
    sources = [Source.objects.get_or_create(name=name, defaults={"kind": kind})[0] for name, kind in SOURCES]
    outbox.drain_quietly = lambda: None  # leave the whole batch to the indexer process
    vocabulary = filler_vocabulary(random.Random(7))
    with transaction.atomic():
        for number in range(first_number, first_number + count):
            generated_article(number, rng, sources, vocabulary).save()
    return count


def rollback(token):
    """What the admin does when a save fails half-way: the atomic block rolls back."""
    source = Source.objects.get_or_create(name="Load News", defaults={"kind": "news"})[0]
    try:
        with transaction.atomic():
            Article.objects.create(title=f"Phantom {token}", body=f"rolled back {token}", source=source, language="en")
            raise RuntimeError("the editor's save fails after the article row was written")
    except RuntimeError:
        pass
    return {"articles_with_token": Article.objects.filter(title__contains=token).count()}


def status():
    drift = find_drift()
    return {
        "queued": IndexTask.objects.count(),
        "articles": Article.objects.count(),
        "missing": len(drift.missing),
        "stale": len(drift.stale),
        "orphans": len(drift.orphans),
    }


def main(argv):
    command, *args = argv
    if command == "seed":
        # Like an import: rows first, then one rebuild_search_index indexes them in bulk.
        result = {"created": create_articles(int(args[0]), 1)}
        IndexTask.objects.all().delete()
    elif command == "seed-corpus":
        with open(args[0], encoding="utf-8") as file:
            # Without near-duplicate keys: 50,000 signatures took half an hour on the shared 2-core
            # machine. Imported and edited articles get theirs; a check costs the same either way.
            result = {"created": bulk_load(file.readlines(), keys=False)}
    elif command == "queue":
        result = {"created": create_articles(int(args[0]), 1_000_000 + random.randint(0, 8_000_000))}
    elif command == "rollback":
        result = rollback(args[0])
    elif command == "queued":
        result = {"queued": IndexTask.objects.count()}
    elif command == "status":
        result = status()
    else:
        raise SystemExit(f"unknown step {command!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
