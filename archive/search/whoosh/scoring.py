"""Relevance scores for a whole hit set at once: BM25F in NumPy instead of Whoosh's per-hit loop.

Whoosh scores each matching document in Python (60–85 µs a hit), so ranking a common
word at 100,000 articles cost seconds. Here every term of the scoring query adds its
BM25 contribution to a score array in one vector operation, from the postings and term
frequencies the snapshot keeps; only the top of the list is then sorted. The formula is
Whoosh's BM25F (B=0.75, K1=1.2, idf = log(N / (df + 1)) + 1) with the same field
boosts, so the order matches what Whoosh would give; ties go to the newer article.
"""

import numpy as np

from archive.search.whoosh.backend import CONCEPT_FIELDS

with __import__("warnings").catch_warnings():
    __import__("warnings").simplefilter("ignore", SyntaxWarning)
    from whoosh import query as wq

B = 0.75
K1 = 1.2
TAGGED_FIELD = {tags_field: field for field, tags_field in CONCEPT_FIELDS.items()}


def weighted_terms(scoring, boost=1.0):
    """[(field, term, boost)] for every term of a Whoosh query, boosts multiplied down the tree."""
    if isinstance(scoring, wq.Term):
        return [(scoring.fieldname, scoring.text, boost * scoring.boost)]
    terms = []
    for child in scoring.children():
        terms.extend(weighted_terms(child, boost * getattr(scoring, "boost", 1.0)))
    return terms


def bm25f_scores(snapshot, scoring, docnums):
    """The score of each document in `docnums` (sorted docnums of the hit set).

    Each term's contributions are added for every document holding it into one array over
    the whole index, then the hits' entries are taken: a scatter per term instead of finding
    each posting among the hits by binary search (ranking `united news` at 100,000 real
    articles: 0.9 → 0.1 ms; the weights are kept per snapshot)."""
    scores = np.zeros(len(snapshot.live), dtype=np.float32)
    for field, term, boost in weighted_terms(scoring):
        ids, weights = snapshot.term_weights(field, term)
        scores[ids] += boost * weights  # a term's docnums are distinct
    return scores[docnums]


def term_weights(snapshot, field, term):
    """(docnums, the term's BM25 weight in each before any boost) of one term."""
    ids, tf = snapshot.term_postings(field, term)
    if not len(ids):
        return ids, np.zeros(0, dtype=np.float64)
    total = max(len(snapshot.live), 1)
    # A concept tag counts against the length of the text it was found in.
    field = TAGGED_FIELD.get(field, field)
    lengths = snapshot.field_lengths(field)[ids]
    idf = np.log(total / (len(ids) + 1)) + 1
    average = snapshot.average_length(field)
    return ids, idf * (tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * lengths / average))


def top_by_score(snapshot, docnums, scores, limit):
    """The best `limit` docnums: highest score first, then newest, then highest pk."""
    if limit < len(docnums):
        rounded = np.round(scores, 5)
        threshold = np.partition(rounded, len(rounded) - limit)[len(rounded) - limit]
        keep = rounded >= threshold
        docnums, scores = docnums[keep], scores[keep]
    rounded = np.round(scores, 5)
    order = np.lexsort((-snapshot.pk[docnums], -snapshot.date_start[docnums], -rounded))
    return docnums[order[:limit]].tolist()
