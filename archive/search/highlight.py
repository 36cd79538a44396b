"""Snippets with the query's words marked. Text is escaped first, then marked, so an
article that contains markup shows it as text."""

import functools
import re

from django.utils.html import escape
from django.utils.safestring import mark_safe

from archive.search.analysis import WORD, fold, normalise_word, query_forms, stem_word

SNIPPET_LENGTH = 260


class WordMatcher:
    """Decides whether a word of an article is one the query looks for."""

    def __init__(self, query_words, languages):
        self.forms = set()
        self.prefixes = []
        self._verdicts = {}  # (word, language) → bool: an article repeats its words
        for word in query_words:
            if word.endswith("*"):
                self.prefixes.append(fold(word.rstrip("*")))
            else:
                self.forms.update(query_forms(word, languages))
        # Stemming keeps a word's first letters, so a word can match only if its folded start
        # is some form's start: a cheap first cut before the (cached, but per-word) full judgement.
        self.initials = {form[:2] for form in self.forms} | {prefix[:2] for prefix in self.prefixes}

    def __bool__(self):
        return bool(self.forms or self.prefixes)

    def matches(self, word, language):
        key = (word, language)
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._verdicts[key] = self._decide(*word_keys(word, language))

        return verdict

    def _decide(self, stem, plain, folded):
        if stem in self.forms or plain in self.forms:
            return True
        return any(folded.startswith(prefix) for prefix in self.prefixes)


@functools.lru_cache(maxsize=200_000)
def word_keys(word, language):
    """What a word of an article is compared by: its stem, its plain folded form, its folding."""
    return stem_word(word, language), fold(normalise_word(word)), fold(word)


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
    # Each distinct word is judged once; then one C-speed pass finds where the hits are.
    initials = matcher.initials
    hits = {
        word for word in set(WORD.findall(text)) if fold(word[:2])[:2] in initials and matcher.matches(word, language)
    }
    if not hits:
        return []
    # Where the hits stand, found by the regex engine: a word boundary as WORD draws it (an
    # apostrophe between letters joins a word), longest alternative first.
    alternatives = "|".join(re.escape(word) for word in sorted(hits, key=len, reverse=True))
    pattern = re.compile(rf"(?<!\w)(?<!\w['’])(?:{alternatives})(?!\w)(?!['’]\w)")
    return [match.span() for match in pattern.finditer(text)]


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
