"""“Did you mean …”: corrections for query words the index does not know.

Candidates are the index's own terms within two edits (insert, delete, replace, swap) of
each form the word takes: one edit before two, then the most widely used. Index terms are
stems, so the suggestion shown is the word as an article actually spells it. rapidfuzz
compares a word with every term in C++ (~10 ms for 200,000 terms), where generating the
word's two-edit neighbours in Python took 0.1–0.3 s.
"""

from rapidfuzz import process
from rapidfuzz.distance import OSA

from archive.search import query as q
from archive.search.analysis import is_cyrillic, query_forms
from archive.search.spelling import corrected_query, spelled_in_article

LATIN = "abcdefghijklmnopqrstuvwxyz"
CYRILLIC = "абвгдежзийклмнопрстуфхцчшщъыьэюяіїєґ"
MAX_WORD_LENGTH = 24
MAX_EDITS = 2


def correct_term(word, frequencies, term_lists, languages):
    """The best known index term for an unknown word, or None."""
    forms = query_forms(word, languages)
    if any(form in frequencies for form in forms) or len(word) > MAX_WORD_LENGTH or len(word) < 3:
        return None
    alphabet = set(CYRILLIC if is_cyrillic(word) else LATIN)
    candidates = [
        (-distance, frequencies[term], term)  # one edit before two, then the most used
        for form in forms
        for terms in term_lists
        for term, distance, _ in process.extract(form, terms, scorer=OSA.distance, score_cutoff=MAX_EDITS, limit=None)
        if set(term) <= alphabet
    ]
    return max(candidates)[2] if candidates else None


def _indexed(snapshot, word, languages):
    """Whether some text holds one of the forms of `word` (the term counts' test, from postings)."""
    return any(len(snapshot.postings("text", form)) for form in query_forms(word, languages))


def spelled_as_in_articles(snapshot, term):
    """The word an article uses for an index term (the term is a stem)."""
    ids = snapshot.postings("text", term)
    return spelled_in_article(int(snapshot.pk[ids[0]]), term) if len(ids) else term


def suggest(snapshot, raw_query, tree, languages):
    """The query with unknown words corrected, or None when there is nothing to correct."""
    words = {node for node in q.text_words(tree) if not node.endswith("*")}
    unknown = [word for word in words if not _indexed(snapshot, word, languages)]
    if not unknown:
        # Whether a word is known is in the postings its query just read; the term counts
        # (~0.15 s to load in each worker at 100,000 articles) are only for finding a correction.
        return None
    frequencies = snapshot.document_frequencies("text")
    term_lists = snapshot.memo("text terms", frequencies.term_lists)
    corrections = {}
    for word in unknown:
        term = correct_term(word, frequencies, term_lists, languages)
        if term is not None:
            corrections[word] = spelled_as_in_articles(snapshot, term)
    return corrected_query(raw_query, corrections)
