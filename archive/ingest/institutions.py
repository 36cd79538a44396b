"""National bodies under generic names: "the Ministry of Defence", "Russian Defence Ministry", "Russia's …".

The registry names each national body in full ("Ministry of Defence of Latvia") and in the
forms the press uses ("Latvian Ministry of Defence", "Latvian MoD"). From those English names
alone this module learns
- each body's generic names: a name without its country ("Ministry of Defence", "MoD");
- the countries' adjectives: a word standing for the body's country before a generic name ("Latvian");
- kinds of body: bodies that share a generic name are of one kind, so "Defence Ministry",
  registered only for Russia's ministry, names Latvia's ministry too.
A generic name is resolved only where the phrase says, or the source implies, whose body it is;
actors.py says how such phrases count.
"""

import re
from dataclasses import dataclass, field

ENGLISH = {"en", ""}
POSSESSIVE = r"(?:'s|’s|'|’)"
FOLLOWED_BY_OWNER = re.compile(r"\s+(?:of|for)\s+(?:the\s+)?[A-Z]")
SENTENCE_END = tuple('.!?:;"”)')
DETERMINERS = {"The", "This", "Its", "Our", "Their"}
LOOK_BACK = 80  # characters: enough to hold the word before a phrase


@dataclass(frozen=True)
class Phrase:
    """A generic name found in a text, with the actors it mentions (its body, and a possessive's country)."""

    start: int
    end: int
    actor_ids: tuple


@dataclass
class Registry:
    """The registry's countries and national bodies, each with its English names."""

    country_names: dict = field(default_factory=dict)  # country id → names, longest first
    bodies: dict = field(default_factory=dict)  # body id → (country id, names)

    def add_country(self, actor_id, names):
        self.country_names[actor_id] = sorted(set(names), key=len, reverse=True)

    def add_body(self, actor_id, country_id, names):
        self.bodies[actor_id] = (country_id, list(dict.fromkeys(names)))


def without_country(name, country_names):
    """The name without its country: "Ministry of Defence of the Republic of Latvia", "US State Department"."""
    for country in country_names:  # longest first, so "of the Republic of Latvia" goes whole
        for suffix in (f" of {country}", f" of the {country}"):
            if name.endswith(suffix) and len(name) > len(suffix):
                return name[: -len(suffix)]
        if name.startswith(country + " ") and len(name) > len(country) + 1:
            return name[len(country) + 1 :]
    return None


def plural(generic):
    """ "Ministry of Defence" → "Ministries of Defence", "Defence Ministry" → "Defence Ministries"."""
    words = generic.split()
    head = next((i for i, word in enumerate(words) if word in ("of", "for")), len(words)) - 1
    words[head] = words[head][:-1] + "ies" if re.search(r"[^aeiou]y$", words[head]) else words[head] + "s"
    return " ".join(words)


def as_written(name):
    """A regex for the name: its first word as written, the rest in any case ("Ministry of defence")."""
    first, *rest = map(re.escape, name.split())
    return first + "".join(rf"\s+(?i:{word})" for word in rest)


class Institutions:
    def __init__(self, registry):
        self.registry = registry
        self.country_words = {name for names in registry.country_names.values() for name in names}
        self.adjectives = {}
        generics = self._names_without_country()
        while self._learn(generics):  # an adjective shows more generic names, and they more adjectives
            pass
        self.kind_of, self.body_of = self._kinds(generics)
        self.own_country = {name.casefold(): country for country, names in registry.bodies.values() for name in names}
        self.owner, self.qualified, self.bare = self._patterns({g for found in generics.values() for g in found})

    def _names_without_country(self):
        generics = {}
        for body_id, (country_id, names) in self.registry.bodies.items():
            country_names = self.registry.country_names.get(country_id, ())
            generics[body_id] = {without_country(name, country_names) for name in names} - {None}
        return generics

    def _learn(self, generics):
        """Adjectives from "<word> <generic name>", generic names from "<adjective> <rest>"; True if any was new."""
        known = {generic.casefold() for found in generics.values() for generic in found}
        learned = False
        for body_id, (country_id, names) in self.registry.bodies.items():
            for first, rest in (name.split(" ", 1) for name in names if " " in name):
                if first in self.country_words or not first[:1].isupper():
                    continue
                if first not in self.adjectives and rest.casefold() in known:
                    self.adjectives[first], learned = country_id, True
                if self.adjectives.get(first) == country_id and rest not in generics[body_id]:
                    generics[body_id].add(rest)
                    learned = True
        return learned

    def _kinds(self, generics):
        """{generic name, case-folded: kind}, {(country, kind): body}; a kind is named by one of its bodies."""
        parent = {body_id: body_id for body_id in generics}

        def root(body_id):
            while parent[body_id] != body_id:
                body_id = parent[body_id]
            return body_id

        first_named = {}
        for body_id, found in generics.items():
            for generic in found:
                parent[root(body_id)] = root(first_named.setdefault(generic.casefold(), body_id))
        kind_of = {generic: root(body_id) for generic, body_id in first_named.items()}
        body_of = {}
        for body_id in generics:
            key = (self.registry.bodies[body_id][0], root(body_id))
            body_of[key] = None if key in body_of else body_id  # two of a kind in one country: name neither
        return kind_of, body_of

    def _patterns(self, generic_names):
        """One owner (adjective or possessive); a generic name after owners; a generic name alone."""
        if not generic_names:
            return None, None, None
        forms = {form for generic in generic_names for form in (generic, plural(generic))}
        generic = "|".join(map(as_written, sorted(forms, key=len, reverse=True)))
        possessives = [re.escape(name) + POSSESSIVE for name in self.country_words]
        owner = "|".join(sorted([*map(re.escape, self.adjectives), *possessives], key=len, reverse=True))
        owners = rf"(?:{owner})(?:\s*,\s*(?:{owner}))*(?:,?\s+and\s+(?:{owner}))?"
        # After its owners a generic name may be in any case ("the Finnish foreign ministry").
        qualified = rf"(?<![\w'’-])(?P<owners>{owners})\s+(?P<generic>(?i:{generic})){POSSESSIVE}?(?!\w)"
        bare = rf"(?<![\w'’-])(?P<generic>{generic}){POSSESSIVE}?(?!\w)"
        return re.compile(owner), re.compile(qualified), re.compile(bare)

    def country_of(self, source):
        """The country of a source that is itself one of the registry's bodies (named as it is), else None."""
        return self.own_country.get(source.name.casefold()) if source is not None else None

    def phrases(self, text, source=None):
        if self.qualified is None:
            return
        for found in self.qualified.finditer(text):
            phrase = self._qualified(found)
            if phrase is not None:
                yield phrase
        country_id = self.country_of(source)
        if country_id is None:
            return
        for found in self.bare.finditer(text):
            body_id = self.body_of.get((country_id, self._kind(found["generic"])))
            if body_id and self._stands_alone(text, found):
                yield Phrase(found.start(), found.end(), (body_id,))

    def _qualified(self, found):
        owners = [owner.group() for owner in self.owner.finditer(found["owners"])]
        kind = self._kind(found["generic"])
        if kind is None and len(owners) == 1:
            return None  # a plural with one owner; two take one: "the Latvian and Russian Ministries of Defence"
        kind = kind or self._kind(found["generic"], plural_too=True)
        actor_ids = []
        for owner in owners:
            country_id = self.adjectives.get(owner)
            if country_id is None:  # a possessive, which mentions its country as well
                country_id = self._country_named(re.sub(POSSESSIVE + "$", "", owner))
                actor_ids.append(country_id)
            body_id = self.body_of.get((country_id, kind))
            actor_ids += [body_id] if body_id else []
        return Phrase(found.start(), found.end(), tuple(actor_ids))

    def _country_named(self, name):
        return next(country_id for country_id, names in self.registry.country_names.items() if name in names)

    def _kind(self, generic, plural_too=False):
        words = " ".join(generic.split()).casefold()
        if plural_too:
            return next((kind for name, kind in self.kind_of.items() if plural(name) == words), None)
        return self.kind_of.get(words)

    @staticmethod
    def _stands_alone(text, found):
        """No owner written beside it: not "Georgian Ministry of Defence", "Georgia's …", "… of Georgia"."""
        if FOLLOWED_BY_OWNER.match(text, found.end()):
            return False
        before = text[max(0, found.start() - LOOK_BACK) : found.start()].split()
        word = before[-1] if before else ""
        if not word or word.endswith(SENTENCE_END) or word in DETERMINERS:
            return True
        return not (word[:1].isupper() or re.search(POSSESSIVE + "$", word))
