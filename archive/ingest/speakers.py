"""The actors a record names as its speakers (an address's speaker, a UN delegate): found in the registry, or added.

A speaker is matched the way the tagger matches a text, in the record's language, so
"Володимир Зеленський" is Volodymyr Zelensky; the whole name must be one person's name. A
speaker the registry does not hold becomes a new person actor under the name as given
(capitalised if the source shouts it: "FAZL-UL-HAQ KHALIQYAR" → "Fazl-Ul-Haq Khaliqyar"), so
every speech stays findable by its speaker. Such actors say where they came from.
"""

from archive.models import Actor, ActorAlias

ADDED_DESCRIPTION = "Added as the speaker named by an imported record's metadata."
MAX_NAME = 200


def display_name(name):
    name = " ".join(name.split())[:MAX_NAME]
    return name.title() if name.isupper() else name


class SpeakerResolver:
    def __init__(self, tagger):
        self.tagger = tagger
        self.known = {}  # (name, language) → actor id

    def actor_ids(self, names, language):
        """The actor id of each speaker name, adding the ones the registry lacks."""
        return [self.actor_id(name, language) for name in names if display_name(name)]

    def actor_id(self, name, language):
        key = (name, language)
        if key not in self.known:
            self.known[key] = self._registered(name, language) or self._added(display_name(name))
        return self.known[key]

    def _registered(self, name, language):
        """A person whose name or alias is the whole of `name` (inflected or not)."""
        whole = [
            entry.actor_id
            for start, end, entry in self.tagger.candidates(name, language)
            if start == 0 and end == len(name.rstrip())
        ]
        persons = set(Actor.objects.filter(pk__in=whole, kind=Actor.Kind.PERSON).values_list("pk", flat=True))
        return min(persons) if len(persons) == 1 else None

    def _added(self, name):
        existing = Actor.objects.filter(name__iexact=name, kind=Actor.Kind.PERSON).first()
        if existing is None:
            alias = ActorAlias.objects.filter(name__iexact=name, actor__kind=Actor.Kind.PERSON).first()
            existing = alias.actor if alias else None
        if existing is None:
            existing = Actor.objects.create(name=name, kind=Actor.Kind.PERSON, description=ADDED_DESCRIPTION)
        return existing.pk
