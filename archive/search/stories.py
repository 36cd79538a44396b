"""The same story in other languages, by embeddings, for every engine.

e5's passage vectors say first which language a text is in: two texts of one language on
different subjects are often closer than a story and its translation. So a text is "the
same story" as another when it is nearer to it than the texts of its own language are on
average, by STORY_MARGIN. On the test set's translations (benchmarks/xlang.py) 0.065 kept
~70% of true pairs and ~1% of the other best-per-language candidates. Engines supply the
vectors and their languages' mean vectors (Whoosh from its vector store, a cluster from a
sample of each language's documents).
"""

import numpy as np

STORY_MARGIN = 0.065


def margins(vectors, their_means, vector):
    """How much nearer each of `vectors` is to `vector` than its language's texts are on average."""
    return vectors @ vector - their_means @ vector


def best_per_language(story_margins, languages, own_language, per_language=1):
    """Positions of the texts in other languages that tell the story, nearest first, `per_language` each."""
    candidates = np.flatnonzero((languages != own_language) & (story_margins >= STORY_MARGIN))
    chosen, taken = [], {}
    for candidate in candidates[np.argsort(-story_margins[candidates], kind="stable")]:
        language = languages[candidate]
        if taken.get(language, 0) < per_language:
            taken[language] = taken.get(language, 0) + 1
            chosen.append(int(candidate))
    return chosen


def one_per_story(languages, vectors, their_means, has_vector):
    """Positions of ranked texts to keep: those that do not retell, in another language, a story ranked above them."""
    kept = []
    for position in range(len(languages)):
        if has_vector[position] and kept:
            earlier = np.array(kept)
            nearer = margins(vectors[earlier], their_means[earlier], vectors[position])
            if ((languages[earlier] != languages[position]) & (nearer >= STORY_MARGIN)).any():
                continue
        kept.append(position)
    return kept
