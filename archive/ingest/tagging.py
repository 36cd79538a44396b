"""Actor tags for a saved article, as the importer gives them: used by the admin on every save.

Building the tagger compiles a pattern per actor name (about a second), so each process keeps
one and builds it again only when the registry has changed since.
"""

from django.db.models import Count, Max

from archive.ingest.actors import ActorTagger, article_text
from archive.models import Actor, ActorAlias, ArticleActor

_cached = {}


def registry_version():
    """Changes whenever an actor or an alias is added, edited or removed (actors keep a history)."""
    actors = Actor.history.aggregate(Max("history_id"), Count("history_id"), Max("history_date"))
    aliases = ActorAlias.objects.aggregate(Max("id"), Count("id"))
    return tuple(actors.values()) + tuple(aliases.values())


def current_tagger():
    """The registry's tagger, rebuilt only when the registry changed."""
    version = registry_version()
    if _cached.get("version") != version:
        _cached.update(version=version, tagger=ActorTagger.from_registry())
    return _cached["tagger"]


def mentions_in(article, tagger=None):
    """{actor id: mentions} in the article's title, lede and body."""
    fields = {"title": article.title, "lede": article.lede, "body": article.body}
    return (tagger or current_tagger()).mentions(article_text(fields), article.language, article.source)


def retag(article, tagger=None):
    """Replace the article's mention tags with those its text names; True if they changed.

    Speakers come from a record's metadata, not from the text, so they are kept as they are.
    """
    speakers = set(article.actor_mentions.filter(role=ArticleActor.Role.SPEAKER).values_list("actor_id", flat=True))
    found = {actor: count for actor, count in mentions_in(article, tagger).items() if actor not in speakers}
    mentioned = article.actor_mentions.filter(role=ArticleActor.Role.MENTION)
    if found == dict(mentioned.values_list("actor_id", "mention_count")):
        return False
    mentioned.delete()
    ArticleActor.objects.bulk_create(
        [ArticleActor(article=article, actor_id=actor_id, mention_count=count) for actor_id, count in found.items()]
    )
    return True
