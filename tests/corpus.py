"""A deterministic test corpus: a few hundred articles over ten years, with actors, sources,
languages and every date precision (day, month, year, unknown)."""

import datetime
import random

from django.db import transaction

from archive.models import Actor, ActorAlias, Article, ArticleActor, DatePrecision, Event, Source

FIRST_YEAR, YEARS = 2015, 10
ACTORS = [  # slug, name, kind, aliases (any script)
    ("nato", "NATO", "organisation", [("НАТО", "ru"), ("OTAN", "fr"), ("North Atlantic Treaty Organization", "en")]),
    ("russia", "Russia", "country", [("Россия", "ru"), ("Krievija", "lv"), ("Venäjä", "fi")]),
    ("latvia", "Latvia", "country", [("Latvija", "lv"), ("Латвия", "ru")]),
    ("estonia", "Estonia", "country", [("Eesti", "et"), ("Эстония", "ru")]),
    ("lithuania", "Lithuania", "country", [("Lietuva", "lt")]),
    ("european-union", "European Union", "organisation", [("EU", "en"), ("Евросоюз", "ru")]),
    ("sergey-lavrov", "Sergey Lavrov", "person", [("Сергей Лавров", "ru"), ("Sergei Lavrov", "en")]),
    ("jens-stoltenberg", "Jens Stoltenberg", "person", [("Йенс Столтенберг", "ru")]),
    ("vladimir-putin", "Vladimir Putin", "person", [("Владимир Путин", "ru")]),
    ("artis-pabriks", "Artis Pabriks", "person", [("Артис Пабрикс", "ru")]),
    ("osce", "OSCE", "organisation", [("ОБСЕ", "ru")]),
    ("ukraine", "Ukraine", "country", [("Україна", "uk"), ("Украина", "ru")]),
]
SOURCES = [
    ("Ministry of Defence of Latvia", "ministry"),
    ("NATO Newsroom", "international"),
    ("Yle News", "news"),
    ("The Baltic Times", "news"),
    ("ERR News", "news"),
    ("Centre for Eastern Studies", "analysis"),
]
LANGUAGES = ["en"] * 6 + ["ru", "ru", "lv", "et", "lt", "fi", "de"]
WORDS = [
    "security",
    "defence",
    "alliance",
    "exercise",
    "troops",
    "border",
    "deterrence",
    "sanctions",
    "dialogue",
    "ministers",
    "summit",
    "arms",
    "control",
    "treaty",
    "missile",
    "cyber",
    "hybrid",
    "threat",
    "airspace",
    "navy",
    "brigade",
    "budget",
    "cooperation",
]
PRECISIONS = [DatePrecision.DAY] * 16 + [DatePrecision.MONTH] * 2 + [DatePrecision.YEAR, DatePrecision.UNKNOWN]


def make_corpus(count=300, seed=4):
    """`count` articles from 2015 to 2024; the same every time for the same seed. Returns the actors by slug."""
    rng = random.Random(seed)
    # One transaction: the index is updated in batches after the commit, not once per article.
    with transaction.atomic():
        actors = {slug: _actor(slug, name, kind, aliases) for slug, name, kind, aliases in ACTORS}
        sources = [Source.objects.get_or_create(name=name, defaults={"kind": kind})[0] for name, kind in SOURCES]
        for n in range(count):
            _article(n, rng, sources, list(actors.values()))
    return actors


def _actor(slug, name, kind, aliases):
    actor, _ = Actor.objects.get_or_create(slug=slug, defaults={"name": name, "kind": kind})
    for alias, language in aliases:
        ActorAlias.objects.get_or_create(actor=actor, name=alias, defaults={"language": language})
    return actor


def _article(n, rng, sources, actors):
    precision = rng.choice(PRECISIONS)
    # Attention grows over the decade, with a burst around the start of 2022.
    day = datetime.date(FIRST_YEAR, 1, 1) + datetime.timedelta(days=int(rng.triangular(0, YEARS * 365, 8 * 365)))
    date = {
        DatePrecision.DAY: day,
        DatePrecision.MONTH: day.replace(day=1),
        DatePrecision.YEAR: day.replace(month=1, day=1),
    }.get(precision)
    words = " ".join(rng.choice(WORDS) for _ in range(40))
    article = Article.objects.create(
        title=f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} report {n + 1}",
        body=f"Report {n + 1}. {words}.",
        source=rng.choice(sources),
        language=rng.choice(LANGUAGES),
        published_on=date,
        date_precision=precision,
    )
    mentioned = rng.sample(actors[:4], k=rng.randint(1, 2)) + rng.sample(actors[4:], k=rng.randint(0, 2))
    for actor in mentioned:
        ArticleActor.objects.create(article=article, actor=actor, mention_count=rng.randint(1, 5))
    return article


def make_events():
    """The two events the issue names: a range of days, and a year."""
    riga = Event.objects.create(
        name="NATO foreign ministers' meeting in Riga",
        date=datetime.date(2021, 11, 30),
        end_date=datetime.date(2021, 12, 1),
        description="Foreign ministers of the Alliance met in Riga.",
        link="https://www.nato.int/",
    )
    crimea = Event.objects.create(
        name="Annexation of Crimea", date=datetime.date(2014, 1, 1), date_precision=DatePrecision.YEAR
    )
    return riga, crimea
