"""The same story in other languages on a cluster: the nearest documents in other languages
(a k-NN search), then archive.search.stories' margin rule, which needs each language's mean
vector: computed from a sample of each language's documents and kept MEAN_SECONDS."""

import time

import numpy as np

from archive.search import semantic, stories
from archive.search.document import VECTOR_FIELD, article_identifier

STORY_CANDIDATES = 50
MEAN_SAMPLE, MEAN_SECONDS = 200, 600
_means = {}


def language_means(cluster):
    """{language: the mean vector of a sample of its documents}, read again every MEAN_SECONDS."""
    key = (cluster.engine, tuple(cluster.settings.urls()), cluster.settings.name)
    kept = _means.get(key)
    if kept is None or time.monotonic() - kept[0] > MEAN_SECONDS:
        sample = cluster.language_vectors(MEAN_SAMPLE)
        means = {
            language: np.asarray(vectors, np.float32).mean(axis=0) for language, vectors in sample.items() if vectors
        }
        kept = _means[key] = (time.monotonic(), means)
    return kept[1]


def same_story_pks(cluster, article, per_language=1):
    """Ids of articles in other languages telling the story of `article`, nearest first."""
    if not (semantic.available() and cluster.vectors_ready):
        return []
    held = cluster.held_vectors([{"id": article_identifier(article.pk)}]).get(article_identifier(article.pk))
    if not held or not held.get(VECTOR_FIELD):
        return []
    vector = np.asarray(held[VECTOR_FIELD], np.float32)
    found = cluster.nearest_docs(vector, STORY_CANDIDATES, article.language)
    means = language_means(cluster)
    found = [(pk, language, near) for pk, language, near in found if near and language in means]
    if not found:
        return []
    pks, languages, vectors = zip(*found, strict=True)
    their_means = np.array([means[language] for language in languages], np.float32)
    story_margins = stories.margins(np.asarray(vectors, np.float32), their_means, vector)
    chosen = stories.best_per_language(story_margins, np.array(languages), article.language, per_language)
    return [pks[position] for position in chosen]


def one_per_story(cluster, docs):
    """The pks of ranked `docs` ([(pk, language, vector or None)]) but those retelling a story ranked above."""
    means = language_means(cluster)
    has_vector = np.array([bool(vector) and language in means for _, language, vector in docs], bool)
    blank = np.zeros(semantic.DIMENSIONS, np.float32)
    vectors = np.array([vector if ok else blank for (_, _, vector), ok in zip(docs, has_vector, strict=True)])
    their_means = np.array([means.get(language, blank) for _, language, _ in docs])
    languages = np.array([language for _, language, _ in docs])
    shape = (-1, semantic.DIMENSIONS)
    kept = stories.one_per_story(languages, vectors.reshape(shape), their_means.reshape(shape), has_vector)
    return [docs[position][0] for position in kept]
