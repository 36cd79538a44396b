"""Related articles: those that share an article's most distinctive terms (more-like-this)."""

import math
from collections import Counter

import numpy as np

from archive.search.analysis import analyse
from archive.search.whoosh.searcher import TEXT_FIELD_BOOSTS

with __import__("warnings").catch_warnings():
    __import__("warnings").simplefilter("ignore", SyntaxWarning)
    from whoosh import query as wq

KEY_TERMS = 15
MIN_TERM_LENGTH = 3


def key_terms(snapshot, article, count=KEY_TERMS):
    """The article's terms weighted by tf·idf against the index: what sets it apart."""
    reader = snapshot.searcher.reader()
    total = max(reader.doc_count(), 1)
    frequencies = Counter(
        term
        for term in analyse(f"{article.title} {article.lede} {article.body}", article.language)
        if len(term) >= MIN_TERM_LENGTH and not term.isdigit()
    )
    weighted = []
    for term, tf in frequencies.items():
        document_frequency = reader.doc_frequency("text", term)
        if 1 <= document_frequency < total:  # a term in every article tells nothing
            weighted.append((tf * math.log(total / document_frequency), term))
    return [term for _, term in sorted(weighted, reverse=True)[:count]]


def related_docnums(snapshot, article, limit=5):
    """Docnums of the articles most like `article` (itself and its near-duplicates excluded)."""
    terms = key_terms(snapshot, article)
    if not terms:
        return []
    query = wq.Or(
        [wq.Term(field, term, boost=TEXT_FIELD_BOOSTS[field]) for term in terms for field in ("title", "text")]
    )
    excluded = (snapshot.pk == article.pk) | (snapshot.dup_of == article.pk)
    if article.near_duplicate_of_id:
        excluded |= snapshot.pk == article.near_duplicate_of_id
    allowed = set(np.flatnonzero(snapshot.live & ~excluded).tolist())
    if not allowed:
        return []
    return [hit.docnum for hit in snapshot.searcher.search(query, filter=allowed, limit=limit)]
