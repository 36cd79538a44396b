"""Shared set-up for the ingest tests: a small actor registry and a readable dump of what an import stored."""

import json
import os
from pathlib import Path

from archive.models import Actor, Article, Source, iso_at_precision
from tests.factories import make_actor

EXAMPLES = Path(__file__).parent / "ingest_examples"
SEED_FIXTURE = Path(os.environ.get("SEED_FIXTURE", EXAMPLES.parent.parent / "fixtures" / "seed_articles.json"))


def make_registry():
    """The actors the examples mention, with aliases in several scripts and languages."""
    country = Actor.Kind.COUNTRY
    make_actor("NATO", aliases=["Nato", "НАТО", "North Atlantic Treaty Organisation", "Naton"])
    make_actor("Russia", kind=country, aliases=["Россия", "Russian Federation", "Venäjä"])
    make_actor("NATO-Russia Council", aliases=["NRC"])
    make_actor("Sergey Lavrov", kind=Actor.Kind.PERSON, aliases=["Lavrov", "Sergei Lavrov", "Сергей Лавров", "Лавров"])
    make_actor("European Union", aliases=["EU", "Euroopan unioni"])
    for name in ("Latvia", "Lithuania", "Estonia", "Belarus", "Poland", "Finland", "Sweden"):
        make_actor(name, kind=country)
    make_actor("Ukraine", kind=country, aliases=[("Україна", "uk"), ("Украина", "ru")])
    person = Actor.Kind.PERSON
    make_actor("Maia Sandu", kind=person, aliases=[("Майя Санду", "ru"), ("Санду", "ru")])
    make_actor("Volodymyr Zelensky", kind=person, aliases=[("Володимир Зеленський", "uk"), ("Зеленський", "uk")])
    make_actor("Jens Stoltenberg", kind=person, aliases=[("Йенс Столтенберг", "ru"), ("Столтенберг", "ru")])


def load_seed_fixture():
    """The curated fixture's sources created; its articles by seed file name, {actor slug: count} by article id."""
    objects = json.loads(SEED_FIXTURE.read_text(encoding="utf-8"))
    for item in objects:
        if item["model"] == "archive.source":
            Source.objects.create(**item["fields"])
    articles = {o["fields"]["provenance"].split()[-1]: o for o in objects if o["model"] == "archive.article"}
    mentions = {}
    for item in objects:
        if item["model"] == "archive.articleactor":
            fields = item["fields"]
            mentions.setdefault(fields["article"], {})[fields["actor"][0]] = fields["mention_count"]
    return articles, mentions


def article_summary(article):
    """Every field an import sets, as plain JSON values."""
    return {
        "title": article.title,
        "source": article.source.name,
        "author": article.author,
        "section": article.section,
        "date": iso_at_precision(article.published_on, article.date_precision),
        "date_precision": article.date_precision,
        "time": article.published_time.strftime("%H:%M") if article.published_time else "",
        "date_note": article.date_note,
        "language": article.language,
        "url": article.url or "",
        "lede": article.lede,
        "body": article.body,
        "captions": article.captions,
        "contact": article.contact,
        "captured_at": article.captured_at.isoformat() if article.captured_at else "",
        "provenance": article.provenance,
        "near_duplicate_of": article.near_duplicate_of.title if article.near_duplicate_of else "",
        "actors": {m.actor.slug: m.mention_count for m in article.actor_mentions.select_related("actor")},
        **record_extras(article),
    }


def record_extras(article):
    """What only some records set (headline items, translations, speakers), present only when set."""
    speakers = article.actor_mentions.filter(role="speaker").values_list("actor__name", flat=True)
    extras = {
        "headline_item": article.is_headline,
        "translation_of": article.translation_of.title if article.translation_of else "",
        "speakers": sorted(speakers),
    }
    return {name: value for name, value in extras.items() if value}


def outcome_summary(outcome):
    """An outcome without database ids or absolute paths, so it reads the same on every machine."""
    summary = {"status": outcome.status, "origin": outcome.origin.replace(str(EXAMPLES) + "/", "")}
    if outcome.status == "failed":
        summary["reason"] = outcome.message.replace(str(EXAMPLES) + "/", "")
    elif outcome.article_id:
        summary["article"] = article_summary(Article.objects.get(pk=outcome.article_id))
    return summary
