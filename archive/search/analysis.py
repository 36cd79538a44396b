"""Text analysis shared by indexing, querying and highlighting.

Each article is analysed in its own language: words are lower-cased, stemmed with that
language's Snowball stemmer where one exists, and stripped of diacritics, so
"Mîndruțescu" is found by "Mindrutescu" and Russian inflections find each other. A
query term, whose language is unknown, is analysed for every language it could be in.
"""

import contextlib
import functools
import re
import unicodedata

import Stemmer

# Snowball has no Latvian or Ukrainian stemmer: those fall back to lower-casing and
# diacritic folding, which still finds the exact word in any case or accent.
SNOWBALL_NAMES = {
    "en": "english",
    "ru": "russian",
    "fi": "finnish",
    "sv": "swedish",
    "de": "german",
    "fr": "french",
    "ro": "romanian",
    "pl": "polish",
    "lt": "lithuanian",
    "et": "estonian",
    "es": "spanish",
    "it": "italian",
    "nl": "dutch",
    "da": "danish",
    "no": "norwegian",
    "pt": "portuguese",
    "hu": "hungarian",
    "tr": "turkish",
}
CYRILLIC_LANGUAGES = {"ru", "uk", "be", "bg", "sr", "mk"}
# Word forms follow Zipf's law, so a modest cache answers most lookups: it made indexing
# ~2× faster and highlighting several times faster (see README "Performance").
WORD_CACHE_SIZE = 200_000

WORD = re.compile(r"\w+(?:['’]\w+)*", re.UNICODE)
POSSESSIVE = re.compile(r"['’]s$")


@functools.cache
def _stemmer(language):
    name = SNOWBALL_NAMES.get(language)
    return Stemmer.Stemmer(name, 20000) if name else None


@functools.lru_cache(maxsize=WORD_CACHE_SIZE)
def fold(text):
    """Lower-case and strip diacritics (ț → t, î → i, ё → е); keep the letter itself."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def is_cyrillic(word):
    return any("\u0400" <= ch <= "\u04ff" for ch in word)


def normalise_word(word):
    """Lower-case, with the English possessive and inner apostrophes removed."""
    word = POSSESSIVE.sub("", word.casefold())
    return word.replace("'", "").replace("’", "")


@functools.lru_cache(maxsize=WORD_CACHE_SIZE)
def stem_word(word, language):
    """The indexed form of one word of a text in `language`."""
    word = normalise_word(word)
    stemmer = _stemmer(language)
    if stemmer is not None and is_cyrillic(word) == (language in CYRILLIC_LANGUAGES):
        word = stemmer.stemWord(word)
    return fold(word)


def tokenize(text):
    """(word, start, end) for each word of `text`."""
    for match in WORD.finditer(text or ""):
        yield match.group(), match.start(), match.end()


def analyse(text, language):
    """The indexed terms of a text, in order (one per word, so phrases keep positions)."""
    return [stem_word(word, language) for word in WORD.findall(text or "")]


def analysed_text(text, language):
    return " ".join(analyse(text, language))


def candidate_languages(word, languages):
    """The languages among `languages` a word could be in, judged by its script."""
    cyrillic = is_cyrillic(word)
    return [lang for lang in languages if (lang in CYRILLIC_LANGUAGES) == cyrillic]


def query_forms(word, languages):
    """Every indexed form a query word can take across `languages`, plus the plain folded word."""
    return sorted(query_forms_by_language(word, languages))


def query_forms_by_language(word, languages):
    """{indexed form: the languages whose texts index the word so}, None for the plain folded word (any text).

    A stem stands for the word only in its own language: Polish stems "NATO" to "nat", as Swedish
    stems "nätet" (the net), so "nat" may match Polish texts only.
    """
    forms = {}
    for language in candidate_languages(word, languages):
        if form := stem_word(word, language):
            forms.setdefault(form, set()).add(language)
    if plain := fold(normalise_word(word)):
        forms[plain] = None
    return forms


@contextlib.contextmanager
def analysed_as(translator, language):
    """Within the block, `translator` (anything with a `languages` list) analyses words as `language` only."""
    saved, translator.languages = translator.languages, [language]
    try:
        yield
    finally:
        translator.languages = saved
