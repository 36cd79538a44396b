"""Snippets with the query's words marked. Text is escaped first, then marked, so an
article that contains markup shows it as text."""

import functools
import re

from django.utils.html import escape
from django.utils.safestring import mark_safe

from archive.search.analysis import WORD, fold, normalise_word, query_forms_by_language, stem_word

SNIPPET_LENGTH = 260


class WordMatcher:
    """Decides whether a word of an article is one the query looks for."""

    def __init__(self, query_words, languages):
        self.forms = {}  # form → the languages it stands for the word in (None: any), as the search matches
        self.prefixes = []
        self._verdicts = {}  # (word, language) → bool: an article repeats its words
        for word in query_words:
            if word.endswith("*"):
                self.prefixes.append(fold(word.rstrip("*")))
            else:
                for form, form_languages in query_forms_by_language(word, languages).items():
                    known = self.forms.get(form, set())
                    self.forms[form] = None if form_languages is None or known is None else known | form_languages
        # Stemming keeps a word's first letters, so a word can match only if its folded start
        # is some form's start: a cheap first cut before the (cached, but per-word) full judgement.
        self.initials = {form[:2] for form in self.forms} | {prefix[:2] for prefix in self.prefixes}
        self.candidates = candidate_words(frozenset(self.initials))

    def __bool__(self):
        return bool(self.forms or self.prefixes)

    def matches(self, word, language):
        key = (word, language)
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._verdicts[key] = self._decide(*word_keys(word, language), language)
        return verdict

    def _decide(self, stem, plain, folded, language):
        if stem in self.forms and (self.forms[stem] is None or language in self.forms[stem]):
            return True
        if plain in self.forms and self.forms[plain] is None:
            return True
        return any(folded.startswith(prefix) for prefix in self.prefixes)


@functools.lru_cache(maxsize=200_000)
def word_keys(word, language):
    """What a word of an article is compared by: its stem, its plain folded form, its folding."""
    return stem_word(word, language), fold(normalise_word(word)), fold(word)


@functools.lru_cache(maxsize=50_000)
def _initials(start):
    """A word's first two letters folded, as WordMatcher.initials holds them: a long text has
    thousands of distinct words but far fewer distinct starts."""
    return fold(start)[:2]


def snippet(text, matcher, language, length=SNIPPET_LENGTH):
    """A passage of about `length` characters around the densest cluster of matches."""
    text = " ".join((text or "").split())
    matches = _matches(text, matcher, language) if matcher else []
    if not matches:
        end = _cut_at_space(text, length)
        return mark_safe(escape(text[:end]) + ("…" if end < len(text) else ""))
    best_start = _densest_window_start(text, matches, length)
    window_start = max(0, text.rfind(" ", 0, max(0, best_start - 40)) + 1)
    window_end = window_start + _cut_at_space(text[window_start:], length)
    inside = [(s, e) for s, e in matches if window_start <= s and e <= window_end]
    prefix = "…" if window_start > 0 else ""
    suffix = "…" if window_end < len(text) else ""
    return mark_safe(prefix + _render(text, window_start, window_end, inside) + suffix)


def _densest_window_start(text, matches, length):
    """The match starting the window of `length` with the most distinct matched words
    (the first such), in one pass: a sliding window over the matches in text order."""
    words = [text[start:end].casefold() for start, end in matches]
    in_window = {}
    best_start, best_distinct, right = matches[0][0], 0, 0
    for left, (start, _) in enumerate(matches):
        while right < len(matches) and matches[right][0] < start + length:
            in_window[words[right]] = in_window.get(words[right], 0) + 1
            right += 1
        if len(in_window) > best_distinct:
            best_start, best_distinct = start, len(in_window)
        in_window[words[left]] -= 1
        if not in_window[words[left]]:
            del in_window[words[left]]
    return best_start


def _matches(text, matcher, language):
    """(start, end) of each word of `text` the matcher accepts. The regex engine finds the
    words that could (their first letters fold to a form's first letters); each distinct
    one is then judged once. Scanning a long speech word by word in Python cost ~1 ms."""
    initials, accepts = matcher.initials, matcher.matches
    if matcher.candidates is WORD:
        return _matches_among_all_words(text, matcher, language)
    return [
        found.span()
        for found in matcher.candidates.finditer(text)
        if _initials(found.group()[:2]) in initials and accepts(found.group(), language)
    ]


def _matches_among_all_words(text, matcher, language):
    """_matches for a query whose words start with many letters (an "all languages" query's
    terms, Latin and Cyrillic): every word is a candidate, so each distinct word is judged
    once and the regex engine finds where the accepted ones stand (20 snippets of long
    speeches for an all-languages OR: 15.3 ms judging each candidate where it stood, 7.2 ms)."""
    initials, accepts = matcher.initials, matcher.matches
    accepted = [word for word in set(WORD.findall(text)) if _initials(word[:2]) in initials and accepts(word, language)]
    return [found.span() for found in whole_words(tuple(sorted(accepted))).finditer(text)] if accepted else []


@functools.lru_cache(maxsize=1024)
def whole_words(words):
    """A regex for `words` where each stands as a whole word, as WORD draws words. Each
    alternative starts with its first letter, the look-behinds follow it: the regex engine
    then skips to the next possible first letter in C (look-behinds first: 3× slower)."""
    alternatives = "|".join(
        re.escape(word[0]) + AFTER_A_WORD_START + re.escape(word[1:]) for word in sorted(words, key=len, reverse=True)
    )
    return re.compile(f"(?:{alternatives})(?!\\w)(?!['’]\\w)")


# A word as WORD draws it, starting where a word starts (an apostrophe between letters joins a word).
WORD_START = r"(?<!\w)(?<!\w['’])"
REST_OF_WORD = WORD.pattern.replace(r"\w+", r"\w*", 1)  # WORD after its first character
# After a word's first character: no word character (nor one and an apostrophe) precedes it.
AFTER_A_WORD_START = r"(?<!\w.)(?<!\w['’].)"


# Latin (with Latin-1 and Extended A/B), Greek and Cyrillic: what the archive's languages
# are written in. Their characters' foldings are listed; a word that starts with anything
# else is always a candidate.
LISTED_SCRIPTS = ((0x0000, 0x0250), (0x0370, 0x0530))


# Past this many first letters (an "all languages" query's terms start with 20–30, Latin and
# Cyrillic), most words are candidates and the pattern's checks at each one cost more than
# drawing every word: 20 long speeches took 27 ms against 6.4 ms with WORD itself.
MANY_FIRST_LETTERS = 6


@functools.lru_cache(maxsize=256)
def candidate_words(initials):
    """A regex for the words whose folded first two letters may be one of `initials` (WORD itself
    for many or any): for each, every listed character that folds to its letters; a word whose first or second
    character folds to more or fewer than one letter, or is unlisted, is a candidate too
    (the exact test follows).

    The pattern starts with one character class (every character a candidate word can
    start with), so the regex engine skips to the next such character in C; the checks
    that it starts a word and of the second letter follow. Starting with the look-behinds,
    it tried every position of the text: 3.5× slower on long speeches, where snippets took
    a third of a page. A word starting with a listed character that is no initial's first
    letter is left out: its folded start cannot be an initial."""
    if "" in initials or len({initial[0] for initial in initials}) > MANY_FIRST_LETTERS:
        return WORD
    variants, usual = _fold_variants()
    letters = {letter: variants.get(letter, {letter}) for initial in initials for letter in initial}
    firsts = set().union(*(letters[initial[0]] for initial in initials))
    # Classes of the unusual characters are written as "not a usual one": listing the
    # unlisted ranges made each pattern take ~15 ms to compile.
    unusual = f"[^{_class_body(usual)}]"
    seconds = [
        f"(?<=[{_class_body(letters[initial[0]])}])"
        + (f"(?=[{_class_body(letters[initial[1]])}])" if len(initial) > 1 else "")
        for initial in initials
    ]
    seconds += [f"(?<={unusual})", f"(?={unusual})"]
    # After the first character: it is a word character that no word character (nor one and
    # an apostrophe) precedes, then the second one fits, then the rest of the word as WORD draws it.
    return re.compile(
        f"[^{_class_body(usual - firsts)}](?<=\\w){AFTER_A_WORD_START}(?:{'|'.join(seconds)})" + REST_OF_WORD
    )


def _class_body(characters):
    """A character class body for `characters`, consecutive ones as ranges (a shorter pattern
    compiles faster: a query's pattern is compiled on its first search in each worker)."""
    runs = []
    for code in sorted(map(ord, characters)):
        if runs and code == runs[-1][1] + 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    return "".join(re.escape(chr(first)) + (f"-{re.escape(chr(last))}" if last > first else "") for first, last in runs)


@functools.cache
def _fold_variants():
    """({letter: the listed characters that fold to it}, every listed character that folds
    to one letter). Any other character is unusual: a word starting with it is always a candidate."""
    variants, usual = {}, set()
    for first, end in LISTED_SCRIPTS:
        for character in map(chr, range(first, end)):
            folded = fold(character)
            if len(folded) == 1:
                variants.setdefault(folded, set()).add(character)
                usual.add(character)
    return variants, frozenset(usual)


def _cut_at_space(text, length):
    if len(text) <= length:
        return len(text)
    cut = text.rfind(" ", 0, length)
    return cut if cut > length // 2 else length


def _render(text, start, end, matches):
    pieces, position = [], start
    for match_start, match_end in matches:
        pieces.append(escape(text[position:match_start]))
        pieces.append(f"<mark>{escape(text[match_start:match_end])}</mark>")
        position = match_end
    pieces.append(escape(text[position:end]))
    return "".join(pieces)


def match_spans(text, matcher, language):
    """(start, end) of every word in `text` the query looks for, in text order."""
    return _matches(text, matcher, language) if matcher else []
