"""Tag a text with the registry's actors: names and aliases on word boundaries, in any script.

Precision comes first, because a wrong actor is worse than a missing one:
- names match case-sensitively, as they are written (after the first word of a longer
  name, in any case: "the Finnish foreign ministry");
- only the last word of a name inflects, with the endings of the text's language, whatever the
  name's: in English the possessive and plural (Russia's), in an inflecting language a short case
  ending (Finnish "Latvian", "Bidenin"), so Polish "Ukraina" is not English "Ukrainian";
  Cyrillic names take Cyrillic endings in any text, and in Russian and Ukrainian texts every word of
  a name matches on its lemmas ("Майи Санду", "Зеленського"; lemmas.py);
- where matches overlap, the longest wins, so "NATO-Russia Council" is that council and
  not NATO and Russia, and "Nigeria" is not "Niger" with an ending.

What counts as a mention is one rule, the curated seed fixture's (fixtures/seed_articles.json):
- An actor is mentioned each time one of its names is written, possessive or not, also as a
  modifier: "Russia", "Russia's military", "the president of Russia Vladimir Putin" (Russia and
  Putin), "US Secretary of State Antony Blinken" (the United States and Blinken).
- A country's adjective or demonym is not one of its names and mentions nothing by itself:
  "the Latvian side", "Russian troops", "Russian President Vladimir Putin" (Putin only).
- A registered name is one mention of its actor, with the names inside it: "NATO-Russia Council"
  is the council, "Ministry of Defence of Russia" the ministry.
- A national body under a generic name (institutions.py) is mentioned where the phrase says
  whose it is: "Russian Defence Ministry"; "the Latvian and Russian Ministries of Defence"
  (both ministries); "Russia's Ministry of Foreign Affairs" (the ministry, and Russia, as every
  possessive is). Written alone ("the Ministry of Defence") it is the body of the source's own
  country when the source is itself one of the registry's bodies (a Latvian ministry's release),
  and nothing otherwise.
"""

import functools
import re
from collections import Counter
from dataclasses import dataclass

import ahocorasick

from archive.ingest.institutions import ENGLISH, Institutions, Registry
from archive.ingest.lemmas import LEMMATISED_LANGUAGES, LemmaMatcher
from archive.models import Actor, ActorAlias

# No adjective endings (Russia → Russian): an adjective is not a mention (see above).
ENGLISH_ENDINGS = r"(?:'s|’s|s'|s’|'|’|s)?"
LATIN_LETTERS = "a-zäöåõüšžāēīūčģķļņąęėįųćłńóśźżăâîșțéèêàç"
CYRILLIC_LETTERS = "а-яёіїєґ"
VOWELS = "aeiouyäöüаеиоуыэюяіїєьй"
INFLECTING = {"fi", "et", "lv", "lt", "pl", "ro", "ru", "uk", "de", "sv"}
MIN_NAME = 2


@dataclass(frozen=True)
class Entry:
    actor_id: int
    name: str
    inflecting: bool
    order: int  # the name's place in the registry: matches of equal length are taken in this order

    @property
    def pattern(self):
        return name_pattern(self.name, self.inflecting)


def is_word_char(char):
    """The regex module's \\w for one character (sre: alphanumeric or underscore)."""
    return char.isalnum() or char == "_"


def literal_start(name):
    """What every match of the name's pattern begins with, as written: its first word, or a one-word
    name without the last letter its endings may replace."""
    words = name.split()
    first = words[0][:-1] if len(words) == 1 and len(words[0]) >= 5 else words[0]
    return first if len(first) >= MIN_NAME else name[:MIN_NAME]


def is_acronym(name):
    letters = [char for char in name if char.isalpha()]
    return len(letters) <= 6 and all(char.isupper() for char in letters)


@functools.cache
def name_pattern(name, inflecting=False):
    """A regex for the name with the endings its last word may take in a text that inflects names or not."""
    words = name.split()
    # After its first word a name's case varies in running text ("the Finnish foreign ministry").
    rest_case = "(?i:{})" if len(words) > 1 and not is_acronym(name) else "{}"
    head_words = [re.escape(words[0]), *(rest_case.format(re.escape(word)) for word in words[1:-1])]
    head = r"\s+".join(head_words) if len(words) > 1 else ""
    last = words[-1]
    if is_acronym(name) or len(last) < 4:
        tail = re.escape(last) + r"(?:'s|’s)?"
    elif re.search(f"[{CYRILLIC_LETTERS}]", last.lower()):
        tail = stem(last) + f"[{CYRILLIC_LETTERS}]{{0,4}}"
    elif inflecting:
        tail = stem(last) + f"[{LATIN_LETTERS}]{{0,4}}" + r"(?:'s|’s)?"
    else:
        tail = re.escape(last) + ENGLISH_ENDINGS
    if len(words) > 1 and not is_acronym(name):
        tail = f"(?i:{tail})"
    body = (head + r"\s+" if head else "") + tail
    return re.compile(body + r"(?!\w)")


def stem(word):
    """The word with its final vowel optional, so Россия → Росси(я|и|ю), Latvija → Latvij(a|as|ai)."""
    if len(word) >= 5 and word[-1].lower() in VOWELS:
        return re.escape(word[:-1]) + f"(?:{re.escape(word[-1])})?"
    return re.escape(word)


class ActorTagger:
    def __init__(self, names, registry=None):
        """`names`: (actor_id, name) for every actor name and alias; `registry`: institutions.Registry.

        A name's own language does not matter to matching: the text's language decides its endings.
        """
        self.names = [(actor_id, " ".join(name.split())) for actor_id, name in names]
        self.automata = {}  # inflecting? → Aho–Corasick automaton of the names' starts, built when first needed
        self.lemma_matchers = {}  # language → LemmaMatcher, for Russian and Ukrainian texts
        self.institutions = Institutions(registry or Registry())

    @classmethod
    def from_registry(cls):
        actors = list(Actor.objects.values_list("pk", "name", "kind", "country_id"))
        return cls.from_rows(actors, list(ActorAlias.objects.values_list("actor_id", "name", "language")))

    @classmethod
    def from_rows(cls, actors, aliases):
        """`actors`: (pk, name, kind, country_id); `aliases`: (actor_id, name, language)."""
        names = [(pk, name, "") for pk, name, _, _ in actors] + list(aliases)
        return cls([(actor_id, name) for actor_id, name, _ in names], english_registry(actors, names))

    def entries(self, inflecting):
        """Every name of two characters or more, in the registry's order."""
        return [Entry(actor_id, name, inflecting, order) for order, (actor_id, name) in enumerate(self.names)
                if len(name) >= MIN_NAME]  # fmt: skip

    def automaton(self, inflecting):
        """{a name's literal start: (its length, the entries starting so)} as one automaton, so a text is
        scanned once, in C, for every name; a name's own pattern (compiled when first needed) is tried
        only where its start is written at the beginning of a word."""
        if inflecting not in self.automata:
            starts = {}
            for entry in self.entries(inflecting):
                start = literal_start(entry.name)
                if is_word_char(start[0]):  # a match begins a word
                    starts.setdefault(start, []).append(entry)
            automaton = self.automata[inflecting] = ahocorasick.Automaton()
            for start, entries in starts.items():
                automaton.add_word(start, (len(start), entries))
            automaton.make_automaton()
        return self.automata[inflecting]

    def name_starts(self, text, inflecting):
        """(start, entry) where an entry's literal start begins a word of the text, in text and registry order."""
        automaton = self.automaton(inflecting)
        if not len(automaton):
            return []
        hits = []
        for end, (length, entries) in automaton.iter(text):
            start = end - length + 1
            if start == 0 or not is_word_char(text[start - 1]):
                hits += [(start, entry.order, entry) for entry in entries]
        return [(start, entry) for start, _, entry in sorted(hits)]

    def candidates(self, text, language=""):
        lemmatised = self.lemma_matcher(language) if language in LEMMATISED_LANGUAGES else None
        # Where names match on lemmas, their regex of endings is not asked: it takes "Українська" for "Україна".
        skipped = lemmatised.handled if lemmatised else ()
        for start, entry in self.name_starts(text, language in INFLECTING):
            found = entry.name not in skipped and entry.pattern.match(text, start)
            if found:
                yield found.start(), found.end(), entry
        if lemmatised:
            yield from lemmatised.candidates(text)

    def lemma_matcher(self, language):
        if language not in self.lemma_matchers:
            self.lemma_matchers[language] = LemmaMatcher(self.entries(True), language)
        return self.lemma_matchers[language]

    def mentions(self, text, language="", source=None):
        """{actor_id: number of mentions}, overlapping matches resolved to the longest.

        `language`: the text's, which decides the endings names take; `source`: the article's
        Source, whose own country an unqualified "Ministry of Defence" may name.
        """
        names = self.candidates(text, language)
        found = [(start, end, len(entry.name), (entry.actor_id,)) for start, end, entry in names]
        found += [(p.start, p.end, p.end - p.start, p.actor_ids) for p in self.institutions.phrases(text, source)]
        chosen, taken = Counter(), []
        for start, end, _, actor_ids in sorted(found, key=lambda c: (c[0] - c[1], -c[2], c[0])):
            if any(start < other_end and other_start < end for other_start, other_end in taken):
                continue
            taken.append((start, end))
            chosen.update(actor_ids)
        return dict(chosen)


def english_registry(actors, names):
    """The countries and the national bodies (organisations with a country), each with its English names."""
    english = {}
    for actor_id, name, language in names:
        if language in ENGLISH:
            english.setdefault(actor_id, []).append(" ".join(name.split()))
    registry = Registry()
    for actor_id, _, kind, country_id in actors:
        if kind == Actor.Kind.COUNTRY:
            registry.add_country(actor_id, english[actor_id])
        elif kind == Actor.Kind.ORGANISATION and country_id:
            registry.add_body(actor_id, country_id, english[actor_id])
    return registry


def article_text(fields):
    return "\n\n".join(filter(None, [fields.get("title"), fields.get("lede"), fields.get("body")]))
