"""Names across inflection in Russian and Ukrainian: an alias matches where each of its words has a lemma in common
with the text's word ("Майи Санду" is "Майя Санду", "Зеленського" is "Зеленський").

A regex of endings cannot do this: Ukrainian "Зеленський" → "Зеленського" changes letters before
the ending, and a first name inflects as much as a surname. pymorphy3 with its dictionaries
(pymorphy3-dicts-ru, -uk) gives every word's possible lemmas; unknown words (most foreign surnames)
get lemmas predicted from their endings, the same way for the alias and for the text, so they meet.

Precision is kept by rule: only aliases whose first word is capitalised (a name, not an
acronym) go this way, and a capitalised alias word matches only a capitalised word of the
text, so "мир" is not "Мир". An adjective has its own lemma ("российский" ≠ "Россия"): it
mentions nothing, as everywhere in the tagger.
"""

import re
from functools import lru_cache

LEMMATISED_LANGUAGES = ("ru", "uk")
CYRILLIC_WORD = re.compile(r"[А-ЯЁІЇЄҐа-яёіїєґ][А-ЯЁІЇЄҐа-яёіїєґ'’ʼ-]*")
WORD_GAP = re.compile(r"\s+")
MIN_LEMMATISED = 4  # shorter words (ЕС, ООН, США) are acronyms or too ambiguous to lemmatise


@lru_cache(maxsize=2)
def analyzer(language):
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang=language)


@lru_cache(maxsize=200_000)
def lemmas(word, language):
    """Every lemma pymorphy3 gives the word, lower-case."""
    return frozenset(parse.normal_form.replace("ґ", "г") for parse in analyzer(language).parse(word))


def is_capitalised(word):
    return word[:1].isupper() and not word.isupper()


class LemmaMatcher:
    """Finds (start, end, entry) for the names that have Cyrillic words, in a text of one language."""

    def __init__(self, entries, language):
        """`entries`: objects with a `.name`; the text's language picks the dictionary."""
        self.language = language
        self.by_first_lemma = {}
        self.handled = set()  # the entries matched here, whose regex of endings is not used (it takes adjectives)
        for entry in entries:
            words = entry.name.split()
            if not all(CYRILLIC_WORD.fullmatch(word) for word in words) or not is_capitalised(words[0]):
                continue
            if len(words[0]) < MIN_LEMMATISED:
                continue
            forms = [(is_capitalised(word), lemmas(word, language)) for word in words]
            self.handled.add(entry.name)
            for lemma in forms[0][1]:
                self.by_first_lemma.setdefault(lemma, []).append((entry, forms))

    def candidates(self, text):
        words = [match for match in CYRILLIC_WORD.finditer(text) if len(match.group()) >= MIN_LEMMATISED]
        for index, word in enumerate(words):
            if not is_capitalised(word.group()):
                continue
            seen = set()
            for lemma in lemmas(word.group(), self.language):
                for entry, forms in self.by_first_lemma.get(lemma, ()):
                    if id(entry) not in seen and (end := self._match_end(text, words, index, forms)):
                        seen.add(id(entry))
                        yield word.start(), end, entry

    def _match_end(self, text, words, index, forms):
        """Where the name ends if its words follow from words[index] on, separated by spaces only; else 0."""
        if index + len(forms) > len(words):
            return 0
        for offset, (capitalised, alias_lemmas) in enumerate(forms):
            word = words[index + offset]
            if offset and not WORD_GAP.fullmatch(text[words[index + offset - 1].end() : word.start()]):
                return 0
            if capitalised and not is_capitalised(word.group()):
                return 0
            if not alias_lemmas & lemmas(word.group(), self.language):
                return 0
        return words[index + len(forms) - 1].end()
