"""Which curated events a timeline marks: the ones that concern what it shows.

An event names actors (a summit: NATO, Lithuania) or none (a storm, an election night).
The archive-by-date timelines show everything, so they mark every event. A timeline of an
actor marks that actor's events; a timeline of a search (or a compare series) marks the
events of the actors it names and the events whose name or description shares a word with
it (a query word that is an actor's name or alias counts as naming that actor). An event
without actors is therefore marked only where a search asks about it.
"""

import functools

from archive.search import query as q
from archive.search.analysis import WORD, fold
from archive.search.resolve import actor_slugs_named

MIN_WORD = 4  # shorter query words ("war", "gas") would tie unrelated events to a search by their text
SHARED_ENDING = 3  # inflections differ in their last letters: "summit"/"summits", "Vilnius"/"Vilniuje"


class EventScope:
    """What a timeline is about: actors (slugs) and query trees, read only when an event needs judging."""

    def __init__(self, actor_slugs=(), trees=()):
        self.given_slugs = set(actor_slugs)
        self.trees = list(trees)

    @classmethod
    def of_search(cls, request):
        """The actors a search request names (facet filter, actor: field, or a word that is a name) and its words."""
        return cls(request.filters.get("actor", []), [request.query.tree])

    @functools.cached_property
    def actor_slugs(self):
        slugs = set(self.given_slugs)
        for tree in self.trees:
            # "nato" typed as a word names NATO as surely as actor:nato does
            for name in actor_filters(tree) + self._plain_words(tree):
                slugs.update(actor_slugs_named(name))
        return slugs

    @functools.cached_property
    def words(self):
        return {fold(word) for tree in self.trees for word in self._plain_words(tree) if len(word) >= MIN_WORD}

    @staticmethod
    def _plain_words(tree):
        return [word for word in q.text_words(tree) if not word.endswith("*")]

    def chosen(self, events):
        return [event for event in events if self.concerns(event)]

    def concerns(self, event):
        if self.actor_slugs & {actor.slug for actor in event.actors.all()}:
            return True
        event_words = {fold(word) for word in WORD.findall(f"{event.name} {event.description}")}
        return any(alike(word, mine) for word in event_words for mine in self.words)


def alike(word, other):
    """The same word up to an inflected ending (a shared start of all but the last few letters)."""
    shortest = min(len(word), len(other))
    if shortest < MIN_WORD:
        return word == other
    stem = max(MIN_WORD, shortest - SHARED_ENDING)
    return word[:stem] == other[:stem]


def actor_filters(tree):
    """The values of every actor: field in a query tree."""
    if isinstance(tree, q.Filter):
        return [tree.value] if tree.field == "actor" else []
    return [value for child in getattr(tree, "children", ()) for value in actor_filters(child)]
