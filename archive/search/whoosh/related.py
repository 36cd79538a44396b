"""Related articles: those that share an article's most distinctive terms (more-like-this).

Scored like a search (scoring.bm25f_scores over the snapshot's postings): Whoosh's own
search with a filter of every allowed document took 0.1–4.6 s an article page at 60,000
articles, most of the load run's slow pages.
"""

import math
from collections import Counter

import numpy as np

from archive.search.analysis import analyse
from archive.search.whoosh.scoring import bm25f_scores, top_by_score
from archive.search.whoosh.searcher import TEXT_FIELD_BOOSTS

with __import__("warnings").catch_warnings():
    __import__("warnings").simplefilter("ignore", SyntaxWarning)
    from whoosh import query as wq

KEY_TERMS = 15
MIN_TERM_LENGTH = 3
# What an article is about is said in its first pages; a 100-page report need not be read whole.
READ_CHARS = 20_000


def key_terms(snapshot, article, count=KEY_TERMS):
    """The article's terms weighted by tf·idf against the index: what sets it apart."""
    total = max(len(snapshot.live), 1)
    document_frequencies = snapshot.document_frequencies("text")
    text = f"{article.title} {article.lede} {article.body}"[:READ_CHARS]
    frequencies = Counter(
        term for term in analyse(text, article.language) if len(term) >= MIN_TERM_LENGTH and not term.isdigit()
    )
    weighted = []
    for term, tf in frequencies.items():
        document_frequency = document_frequencies[term]
        if 1 <= document_frequency < total:  # a term in every article tells nothing
            weighted.append((tf * math.log(total / document_frequency), term))
    return [term for _, term in sorted(weighted, reverse=True)[:count]]


def related_docnums(snapshot, article, limit=5):
    """Docnums of the articles most like `article` (itself and its near-duplicates excluded)."""
    terms = key_terms(snapshot, article)
    if not terms:
        return []
    fields = ("title", "text")
    scoring = wq.Or([wq.Term(field, term, boost=TEXT_FIELD_BOOSTS[field]) for term in terms for field in fields])
    candidates = np.zeros(len(snapshot.live), dtype=bool)
    for term in terms:
        for field in fields:
            candidates[snapshot.postings(field, term)] = True
    excluded = (snapshot.pk == article.pk) | (snapshot.dup_of == article.pk)
    if article.near_duplicate_of_id:
        excluded |= snapshot.pk == article.near_duplicate_of_id
    docnums = np.flatnonzero(candidates & snapshot.live & ~excluded)
    if not len(docnums):
        return []
    return top_by_score(snapshot, docnums, bm25f_scores(snapshot, scoring, docnums), limit)
