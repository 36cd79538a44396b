"""Ranking for "all languages": BM25 over the expanded query mixed with similarity of meaning.

Each side is scaled to 0–1 over the hit set (BM25 by the best score in each language,
similarity between the hits' lowest and highest) and the two are averaged. e5's cosines
sit in a narrow band that differs by query, so only their order within the hits says
anything. On the cross-lingual test set (benchmarks/xlang.py, README; 285 concepts) this
mix gave nDCG@10 0.900 at WORDS_WEIGHT 0.5 (0.868 at 0.2, 0.881 at 0.3, 0.901 at 0.6),
reciprocal-rank fusion (K=60) 0.883, at the same recall@20 (0.94).
"""

import numpy as np

from archive.search import semantic, stories
from archive.search.whoosh import vectors
from archive.search.whoosh.scoring import bm25f_scores, top_by_score

WORDS_WEIGHT = 0.5
# Documents found by meaning alone that join the hits: the nearest few, and only those
# close to the best match (cosines of unrelated texts are high too with e5).
MEANING_CANDIDATES = 20
MEANING_MARGIN = 0.08
RERANK_WINDOW = 2000


class Meaning:
    """The query's meaning against the vectors beside the index (archive/search/whoosh/vectors.py)."""

    def __init__(self, snapshot, home, asked):
        self.adds_hits = asked.adds_hits
        self.vector = asked.vector
        self.aligned = vectors.aligned_vectors(snapshot, home)
        self.covered = int(self.aligned.present.sum())
        self.total = int(snapshot.live.sum())

    def nearest(self, allowed=None):
        """The documents among `allowed` (a mask; None: all) nearest in meaning, as a mask."""
        mask = np.zeros(len(self.aligned.present), dtype=bool)
        top, similarities = self.aligned.nearest(allowed, self.vector, MEANING_CANDIDATES)
        if len(top):
            mask[top[similarities >= similarities[0] - MEANING_MARGIN]] = True
        return mask

    def similarities_of(self, docnums):
        """(similarities, has a vector) of `docnums`; 0 where there is none."""
        present = self.aligned.present[docnums]
        similarities = np.zeros(len(docnums), np.float32)
        similarities[present] = self.aligned.similarities_of(docnums[present], self.vector)
        return similarities, present


def meaning_for(request, snapshot, home, notices):
    """The Meaning of an "all languages" request (None without the model); says on `notices` what it could not do."""
    asked = semantic.query_meaning(request, notices)
    if asked is None:
        return None
    meaning = Meaning(snapshot, home, asked)
    semantic.coverage_notice(meaning.covered, meaning.total, notices)
    return meaning


def scaled(values, present):
    """`values` mapped to 0–1 between their lowest and highest where `present`; 0 elsewhere."""
    if not present.any():
        return np.zeros(len(values))
    low, high = values[present].min(), values[present].max()
    return np.where(present, (values - low) / (high - low) if high > low else 1.0, 0.0)


def scaled_by_language(word_scores, languages):
    """BM25 divided by the best score among the hits of the same language: a concept's
    terms are rarer or commoner in each language, and an archive holds more of some
    languages, so each language's best match counts as fully as the archive's best."""
    scaled_scores = np.zeros(len(word_scores))
    for language in np.unique(languages):
        same = languages == language
        best = word_scores[same].max()
        if best > 0:
            scaled_scores[same] = word_scores[same] / best
    return scaled_scores


def fused_scores(word_scores, similarities, has_vector, languages=None):
    """WORDS_WEIGHT × BM25 scaled by language + the rest × similarity scaled over the hits.

    A document not yet embedded (the indexer is still at work) is ranked by its words alone,
    on the same 0–1 scale, rather than sinking below every embedded one."""
    languages = np.zeros(len(word_scores), np.int32) if languages is None else languages
    words = scaled_by_language(word_scores, languages)
    mixed = WORDS_WEIGHT * words + (1 - WORDS_WEIGHT) * scaled(similarities, has_vector)
    return np.where(has_vector, mixed, words)


def hybrid_docnums(snapshot, compiled, meaning, limit):
    """The hits ranked by words and meaning. Past RERANK_WINDOW hits, only the best by
    words (scaled by language) are compared by meaning: reading every hit's vector costs
    ~1 ms per thousand, and a hit outside the window ranks by half its words' score."""
    docnums = np.flatnonzero(compiled.mask)
    if not len(docnums):
        return []
    words = np.zeros(len(docnums))
    if compiled.scoring is not None:
        words = bm25f_scores(snapshot, compiled.scoring, docnums)
    languages = snapshot.categories["lang"][1][docnums]
    window = np.arange(len(docnums))
    if len(docnums) > RERANK_WINDOW:
        # In document order: the rows are read in about the order they lie in the memory-mapped store.
        window = np.sort(np.argpartition(-scaled_by_language(words, languages), RERANK_WINDOW)[:RERANK_WINDOW])
    similarities, has_vector = meaning.similarities_of(docnums[window])
    fused = WORDS_WEIGHT * scaled_by_language(words, languages)
    fused[window] = fused_scores(words[window], similarities, has_vector, languages[window])
    return top_by_score(snapshot, docnums, fused.astype(np.float32), limit)


# --- the same story in other languages (archive.search.stories) ------------------------


def same_story_docnums(snapshot, aligned, docnum, per_language=1):
    """The documents in other languages that tell the story of `docnum`, nearest first (by the margin rule)."""
    if not aligned.present[docnum]:
        return []
    _, codes = snapshot.categories["lang"]
    vector = aligned.vectors_of([docnum])[0]
    story_margins = aligned.similarities(vector) - (aligned.language_means(codes) @ vector)[codes]
    story_margins = np.where(aligned.present, story_margins, -np.inf)
    return stories.best_per_language(story_margins, codes, codes[docnum], per_language)


def one_per_story(snapshot, aligned, docnums):
    """`docnums` (ranked) without those that retell, in another language, a story ranked above them."""
    docnums = np.asarray(docnums, dtype=np.int64)
    _, codes = snapshot.categories["lang"]
    languages = codes[docnums]
    their_means = aligned.language_means(codes)[languages]
    kept = stories.one_per_story(languages, aligned.vectors_of(docnums), their_means, aligned.present[docnums])
    return docnums[kept].tolist()
