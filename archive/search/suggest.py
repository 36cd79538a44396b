"""“Did you mean …”: corrections for query words the index does not know.

Candidates are the index's own terms within two edits (insert, delete, replace, swap) of
each form the word takes, the most widely used first. Index terms are stems, so the
suggestion shown is the word as an article actually spells it.
"""

import re

from archive.models import Article
from archive.search import query as q
from archive.search.analysis import fold, is_cyrillic, normalise_word, query_forms, stem_word, tokenize

LATIN = "abcdefghijklmnopqrstuvwxyz"
CYRILLIC = "абвгдежзийклмнопрстуфхцчшщъыьэюяіїєґ"
MAX_WORD_LENGTH = 24


def term_frequencies(snapshot):
    """{term: document frequency} of the text field, read once per index generation."""
    if getattr(snapshot, "term_frequencies", None) is None:
        reader = snapshot.searcher.reader()
        snapshot.term_frequencies = {
            term.decode("utf-8"): info.doc_frequency() for term, info in reader.iter_field("text")
        }
    return snapshot.term_frequencies


def edits(word, alphabet):
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [a + b[1:] for a, b in splits if b]
    swaps = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in alphabet]
    inserts = [a + c + b for a, b in splits for c in alphabet]
    return set(deletes + swaps + replaces + inserts)


def correct_term(word, frequencies, languages):
    """The best known index term for an unknown word, or None."""
    forms = query_forms(word, languages)
    if any(form in frequencies for form in forms) or len(word) > MAX_WORD_LENGTH or len(word) < 3:
        return None
    alphabet = CYRILLIC if is_cyrillic(word) else LATIN
    first = {edit for form in forms for edit in edits(form, alphabet)}
    for candidates in (first, {second for edit in first for second in edits(edit, alphabet)}):
        known = [term for term in candidates if term in frequencies]
        if known:
            return max(known, key=lambda term: (frequencies[term], term))
    return None


def spelled_as_in_articles(snapshot, term):
    """The word an article uses for an index term (the term is a stem)."""
    ids = snapshot.postings("text", term)
    if not len(ids):
        return term
    article = Article.objects.filter(pk=int(snapshot.pk[ids[0]])).only("title", "lede", "body", "language").first()
    if article is None:
        return term
    for text in (article.title, article.lede, article.body):
        for word, _, _ in tokenize(text):
            if stem_word(word, article.language) == term or fold(normalise_word(word)) == term:
                return word.lower()
    return term


def suggest(snapshot, raw_query, tree, languages):
    """The query with unknown words corrected, or None when there is nothing to correct."""
    frequencies = term_frequencies(snapshot)
    suggestion = raw_query
    for word in {node for node in q.text_words(tree) if not node.endswith("*")}:
        term = correct_term(word, frequencies, languages)
        if term is not None:
            replacement = spelled_as_in_articles(snapshot, term)
            if word[:1].isupper():
                replacement = replacement[:1].upper() + replacement[1:]
            suggestion = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", replacement, suggestion)
    return suggestion if suggestion != raw_query else None
