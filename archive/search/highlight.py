"""Snippets with the query's words marked. Text is escaped first, then marked, so an
article that contains markup shows it as text."""

from django.utils.html import escape
from django.utils.safestring import mark_safe

from archive.search.analysis import fold, normalise_word, query_forms, stem_word, tokenize

SNIPPET_LENGTH = 260


class WordMatcher:
    """Decides whether a word of an article is one the query looks for."""

    def __init__(self, query_words, languages):
        self.forms = set()
        self.prefixes = []
        for word in query_words:
            if word.endswith("*"):
                self.prefixes.append(fold(word.rstrip("*")))
            else:
                self.forms.update(query_forms(word, languages))

    def __bool__(self):
        return bool(self.forms or self.prefixes)

    def matches(self, word, language):
        if stem_word(word, language) in self.forms or fold(normalise_word(word)) in self.forms:
            return True
        folded = fold(word)
        return any(folded.startswith(prefix) for prefix in self.prefixes)


def marked(text, matcher, language):
    """The whole of `text`, escaped, with matching words in <mark>."""
    return _render(text, 0, len(text), _matches(text, matcher, language))


def snippet(text, matcher, language, length=SNIPPET_LENGTH):
    """A passage of about `length` characters around the densest cluster of matches."""
    text = " ".join((text or "").split())
    matches = _matches(text, matcher, language) if matcher else []
    if not matches:
        end = _cut_at_space(text, length)
        return mark_safe(escape(text[:end]) + ("…" if end < len(text) else ""))
    best_start = max(
        (start for start, _ in matches),
        key=lambda start: len({text[s:e].casefold() for s, e in matches if start <= s < start + length}),
    )
    window_start = max(0, text.rfind(" ", 0, max(0, best_start - 40)) + 1)
    window_end = window_start + _cut_at_space(text[window_start:], length)
    inside = [(s, e) for s, e in matches if window_start <= s and e <= window_end]
    prefix = "…" if window_start > 0 else ""
    suffix = "…" if window_end < len(text) else ""
    return mark_safe(prefix + _render(text, window_start, window_end, inside) + suffix)


def _matches(text, matcher, language):
    return [(start, end) for word, start, end in tokenize(text) if matcher.matches(word, language)]


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
