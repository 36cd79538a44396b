"""Tag a text with the registry's actors: names and aliases on word boundaries, in any script.

Precision comes first, because a wrong actor is worse than a missing one:
- names match case-sensitively, as they are written (after the first word of a longer
  name, in any case: "the Finnish foreign ministry");
- only the last word of a name inflects, and only with endings its script uses
  (English: Russia's, Russian, Russians; inflecting languages: a short case ending);
- where matches overlap, the longest wins, so "NATO-Russia Council" is that council and
  not NATO and Russia, and "Nigeria" is not "Niger" with an ending.
"""

import re
from collections import Counter
from dataclasses import dataclass

from archive.models import Actor, ActorAlias

ENGLISH_ENDINGS = r"(?:'s|’s|s'|s’|'|’|s|n|ns|an|ans|ian|ians|ese|n's|n’s)?"
LATIN_LETTERS = "a-zäöåõüšžāēīūčģķļņąęėįųćłńóśźżăâîșțéèêàç"
CYRILLIC_LETTERS = "а-яёіїєґ"
VOWELS = "aeiouyäöüаеиоуыэюяіїєьй"
INFLECTING = {"fi", "et", "lv", "lt", "pl", "ro", "ru", "uk", "de", "sv"}
WORD_START = re.compile(r"(?<!\w)\w", re.UNICODE)
KEY_LENGTH = 2


@dataclass(frozen=True)
class Entry:
    actor_id: int
    name: str
    pattern: re.Pattern


def is_acronym(name):
    letters = [char for char in name if char.isalpha()]
    return len(letters) <= 6 and all(char.isupper() for char in letters)


def name_pattern(name, language=""):
    """A regex for the name with the endings its last word may take."""
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
    elif language in INFLECTING:
        tail = stem(last) + f"[{LATIN_LETTERS}]{{0,4}}" + r"(?:'s|’s)?"
    else:
        tail = stem(last) + ENGLISH_ENDINGS
    if len(words) > 1 and not is_acronym(name):
        tail = f"(?i:{tail})"
    body = (head + r"\s+" if head else "") + tail
    return re.compile(body + r"(?!\w)")


def stem(word):
    """The word with its final vowel optional, so Russia → Russi(a|an), Россия → Росси(я|и|ю)."""
    if len(word) >= 5 and word[-1].lower() in VOWELS:
        return re.escape(word[:-1]) + f"(?:{re.escape(word[-1])})?"
    return re.escape(word)


class ActorTagger:
    def __init__(self, names):
        """`names`: (actor_id, name, language) for every actor name and alias."""
        self.by_key = {}
        for actor_id, name, language in names:
            name = " ".join(name.split())
            if len(name) < 2:
                continue
            entry = Entry(actor_id, name, name_pattern(name, language))
            self.by_key.setdefault(name[:KEY_LENGTH], []).append(entry)

    @classmethod
    def from_registry(cls):
        names = [(actor.pk, actor.name, "") for actor in Actor.objects.only("pk", "name")]
        names += list(ActorAlias.objects.values_list("actor_id", "name", "language"))
        return cls(names)

    def candidates(self, text):
        for start in (match.start() for match in WORD_START.finditer(text)):
            for entry in self.by_key.get(text[start : start + KEY_LENGTH], ()):
                found = entry.pattern.match(text, start)
                if found:
                    yield found.start(), found.end(), entry

    def mentions(self, text):
        """{actor_id: number of mentions}, overlapping matches resolved to the longest."""
        chosen, taken = Counter(), []
        ranked = sorted(self.candidates(text), key=lambda c: (-(c[1] - c[0]), -len(c[2].name), c[0]))
        for start, end, entry in ranked:
            if any(start < other_end and other_start < end for other_start, other_end in taken):
                continue
            taken.append((start, end))
            chosen[entry.actor_id] += 1
        return dict(chosen)


def article_text(fields):
    return "\n\n".join(filter(None, [fields.get("title"), fields.get("lede"), fields.get("body")]))
