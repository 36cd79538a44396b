""" "All languages" ranking: BM25 over the expanded query fused with similarity of meaning.

Reciprocal-rank fusion (Cormack et al., 2009): a document scores 1/(K + its rank) in each
list it is in, summed. It needs no calibration between BM25's unbounded scores and the
model's cosines, which sit in a narrow band (0.75–0.90 for e5) that differs by query;
benchmarks/xlang.py measures it against a normalised score mix on the cross-lingual test set.
"""

import numpy as np
from haystack import connections

from archive.search import query as q
from archive.search import semantic
from archive.search.whoosh.backend import ArchiveWhooshBackend
from archive.search.whoosh.scoring import bm25f_scores, top_by_score
from archive.search.whoosh.searcher import snapshots

RRF_K = 60
# Documents found by meaning alone that join the hits: the nearest few, and only those
# close to the best match (cosines of unrelated texts are high too with e5).
MEANING_CANDIDATES = 30
MEANING_MARGIN = 0.04


class Meaning:
    """Each document's similarity to the query's meaning, from the vectors beside the index."""

    def __init__(self, snapshot, home, text):
        self.aligned = semantic.aligned_vectors(snapshot, home)
        self.similarities = self.aligned.similarities(semantic.embed_query(text))
        self.covered = int(self.aligned.present.sum())
        self.total = int(snapshot.live.sum())

    def nearest(self, allowed):
        """The documents among `allowed` nearest in meaning (a mask)."""
        candidates = np.flatnonzero(allowed & self.aligned.present)
        mask = np.zeros(len(allowed), dtype=bool)
        if not len(candidates):
            return mask
        similarities = self.similarities[candidates]
        top = candidates[np.argsort(-similarities)[:MEANING_CANDIDATES]]
        mask[top[self.similarities[top] >= self.similarities[top[0]] - MEANING_MARGIN]] = True
        return mask


def adds_hits(tree):
    """Whether documents found by meaning alone may join the hits: only for free words and
    phrases. A NOT, a field or a filter is a rule the model cannot check, so then meaning only ranks."""
    if isinstance(tree, (q.Term, q.Phrase)):
        return tree.field is None
    if isinstance(tree, q.Localised):
        return adds_hits(tree.child)
    if isinstance(tree, (q.And, q.Or)):
        return all(adds_hits(child) for child in tree.children)
    return False


def ranks(scores, present):
    """1-based rank of each score, highest first; 0 where `present` is False."""
    order = np.argsort(-scores, kind="stable")
    rank = np.empty(len(scores), dtype=np.int64)
    rank[order] = np.arange(1, len(scores) + 1)
    return np.where(present, rank, 0)


def fused_scores(word_scores, similarities, has_vector):
    """Reciprocal-rank fusion of BM25 and similarity; a list a document is absent from adds nothing."""
    words = ranks(word_scores, word_scores > 0)
    meaning = ranks(np.where(has_vector, similarities, -np.inf), has_vector)
    return np.where(words > 0, 1 / (RRF_K + words), 0) + np.where(meaning > 0, 1 / (RRF_K + meaning), 0)


def hybrid_docnums(snapshot, compiled, meaning, limit):
    docnums = np.flatnonzero(compiled.mask)
    if not len(docnums):
        return []
    words = np.zeros(len(docnums))
    if compiled.scoring is not None:
        words = bm25f_scores(snapshot, compiled.scoring, docnums)
    fused = fused_scores(words, meaning.similarities[docnums], meaning.aligned.present[docnums])
    return top_by_score(snapshot, docnums, (fused * 1000).astype(np.float32), limit)  # rounded to 5 places there


def embed_pending(limit=semantic.EMBED_BATCH, progress=None):
    """Embed up to `limit` indexed articles that lack a current vector (all with limit=None); returns how many."""
    backend = connections["default"].get_backend()
    if not semantic.available() or not isinstance(backend, ArchiveWhooshBackend):
        return 0
    return semantic.embed_missing(snapshots.get(backend), backend.path, limit, progress)


def pending_count():
    backend = connections["default"].get_backend()
    if not semantic.available() or not isinstance(backend, ArchiveWhooshBackend):
        return 0
    return len(semantic.missing_pks(snapshots.get(backend), backend.path))
