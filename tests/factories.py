"""Small factory functions for tests: make what a test needs, with sensible defaults."""

import datetime
import itertools

from archive.models import Actor, ActorAlias, Article, ArticleActor, DatePrecision, Source

_counter = itertools.count(1)


def make_source(name=None, kind=Source.Kind.NEWS, **fields):
    name = name or f"Source {next(_counter)}"
    return Source.objects.create(name=name, kind=kind, **fields)


def make_actor(name, kind=Actor.Kind.ORGANISATION, aliases=(), **fields):
    """`aliases`: names, or (name, language) pairs."""
    actor = Actor.objects.create(name=name, kind=kind, **fields)
    for alias in aliases:
        alias, language = (alias, "") if isinstance(alias, str) else alias
        ActorAlias.objects.create(actor=actor, name=alias, language=language)
    return actor


def make_article(title=None, body=None, source=None, language="en", date=None, precision=None, actors=(), **fields):
    n = next(_counter)
    if isinstance(date, str):
        date = datetime.date.fromisoformat(date)
    article = Article.objects.create(
        title=title or f"Article {n}",
        body=body or f"Body text number {n} about security policy.",
        source=source or make_source(),
        language=language,
        published_on=date,
        date_precision=precision or (DatePrecision.DAY if date else DatePrecision.UNKNOWN),
        **fields,
    )
    for actor in actors:
        ArticleActor.objects.create(article=article, actor=actor, mention_count=1)
    return article
