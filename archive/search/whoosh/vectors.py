"""The article vectors beside a Whoosh index (`<index home>/vectors/`), cheap to hold at scale.

Each embedding round appends one small part file (pks, the article's `updated` stamp,
vectors); now and then the parts are merged into a *base*: a directory of .npy files with
the float32 vectors sorted by pk. Workers memory-map the base, so every worker shares one
copy through the page cache instead of holding its own (100,000 articles: 146 MB,
shared). The parts written since the last merge are read into memory.

"All languages" reads the vectors of its hits only. "Nearest by meaning" (documents that
join the hits by meaning alone; the same story in other languages) compares the query
with every vector: one single-threaded matrix product, ~8 ms at 100,000 articles on a quiet
core here, 20 ms at load 8. Coarse indexes were measured and dropped: on 1,500 real e5
vectors and the cross-lingual test set's queries, a 64-dimension PCA copy found 0.59 of
the true 20 nearest among 40 candidates, and k-means lists 0.63 reading 4 lists of 38 —
the nearest texts of a query sit in every language's cluster (benchmarks/xlang_scale.py).
A rebuilt index generation reuses the store: vectors are keyed by article and by the
version embedded.
"""

import contextlib
import os
import threading
import time

import numpy as np

from archive.search.semantic import DIMENSIONS
from archive.search.whoosh.segments import BoundedCache

STORE_DIR = "vectors"
# The parts are merged into a new base past this many, or past this many rows (each
# worker holds them in memory and scans them in full).
MERGE_PARTS_ABOVE = 48
MERGE_ROWS_ABOVE = 4096
LANGUAGE_SAMPLE = 2000  # documents per language whose mean vector stands for the language
# Query vectors whose similarity to every row a worker keeps (4 bytes a row: 400 KB each at 100,000).
KEPT_SIMILARITIES = 32


def _stamp_of(name):
    """The `<ns>-<pid>` of a part or base name: the order they were written in."""
    return name.split("-", 1)[1].removesuffix(".npz")


class VectorStore:
    """The article vectors of one index home: a memory-mapped base and append-only parts."""

    def __init__(self, home):
        self.directory = os.path.join(home, STORE_DIR)

    def _names(self):
        try:
            return os.listdir(self.directory)
        except FileNotFoundError:
            return []

    def base_name(self):
        bases = sorted(name for name in self._names() if name.startswith("base-"))
        return bases[-1] if bases else None

    def parts(self):
        """The parts written after the newest base (those before it are merged into it)."""
        base = self.base_name()
        parts = sorted(name for name in self._names() if name.startswith("part-") and name.endswith(".npz"))
        return [name for name in parts if base is None or _stamp_of(name) > _stamp_of(base)]

    def version(self):
        return (self.base_name(), tuple(self.parts()))

    def read_base(self):
        """(pks, stamps, vectors (memory-mapped)), or None."""
        name = self.base_name()
        if name is None:
            return None
        path = os.path.join(self.directory, name)

        def load(field, mmap=True):
            return np.load(os.path.join(path, f"{field}.npy"), mmap_mode="r" if mmap else None)

        return (
            load("pks", False),
            load("stamps", False),
            load("vectors"),
        )

    def read_parts(self, names):
        pks, stamps, vectors = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], [np.zeros((0, DIMENSIONS), np.float32)]
        for name in names:
            with np.load(os.path.join(self.directory, name)) as part:
                pks.append(part["pks"])
                stamps.append(part["updated"])
                vectors.append(part["vectors"].astype(np.float32))
        return np.concatenate(pks), np.concatenate(stamps), np.concatenate(vectors)

    def read(self):
        """(pks, stamps, float32 vectors) of every article, the newest vector winning, sorted by pk."""
        for _ in range(3):
            try:
                return LoadedVectors(self).everything()
            except FileNotFoundError:  # a merge removed a part after we listed it: list again
                continue
        raise RuntimeError(f"the vector store {self.directory} keeps changing under the reader")

    def append(self, pks, stamps, vectors):
        os.makedirs(self.directory, exist_ok=True)
        name = f"part-{time.time_ns():020d}-{os.getpid()}.npz"
        temporary = os.path.join(self.directory, f".{name}")
        with open(temporary, "wb") as file:
            np.savez(
                file,
                pks=np.asarray(pks, np.int64),
                updated=np.asarray(stamps, np.int64),
                vectors=np.asarray(vectors, np.float32),
            )
        os.replace(temporary, os.path.join(self.directory, name))  # readers never see half a part
        parts = self.parts()
        if len(parts) > MERGE_PARTS_ABOVE or self._part_rows(parts) > MERGE_ROWS_ABOVE:
            self.merge()

    def _part_rows(self, names):
        rows = 0
        for name in names:
            with contextlib.suppress(FileNotFoundError), np.load(os.path.join(self.directory, name)) as part:
                rows += len(part["pks"])
        return rows

    def merge(self):
        """Write a new base holding everything, then remove what it replaces."""
        old_base, parts = self.base_name(), self.parts()
        if not parts:
            return
        pks, stamps, vectors = self.read()
        name = f"base-{_stamp_of(parts[-1])}"
        temporary = os.path.join(self.directory, f".{name}-{os.getpid()}")
        os.makedirs(temporary, exist_ok=True)
        for field, values in {"pks": pks, "stamps": stamps, "vectors": vectors}.items():
            np.save(os.path.join(temporary, f"{field}.npy"), values)
        with contextlib.suppress(OSError):  # another process merged the same parts first
            os.rename(temporary, os.path.join(self.directory, name))
        for stale in [*parts, *([old_base] if old_base else [])]:
            with contextlib.suppress(FileNotFoundError):
                path = os.path.join(self.directory, stale)
                _remove(path)
        if os.path.exists(temporary):
            _remove(temporary)


def _remove(path):
    if os.path.isdir(path):
        for entry in os.listdir(path):
            os.remove(os.path.join(path, entry))
        os.rmdir(path)
    else:
        os.remove(path)


def evenly(count, at_most):
    """At most `at_most` positions spread evenly over range(count)."""
    return np.linspace(0, count - 1, min(count, at_most)).astype(np.int64) if count else np.zeros(0, np.int64)


class LoadedVectors:
    """The store as one table over "rows": the base's rows (memory-mapped), then the parts'
    (in memory). `pks` (sorted), `stamps` and `rows` describe each article's newest vector."""

    def __init__(self, store):
        base = store.read_base()
        if base is None:
            base = np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, DIMENSIONS), np.float32)
        base_pks, base_stamps, self.base = base
        tail_pks, tail_stamps, self.tail = store.read_parts(store.parts())
        self.base_rows = len(base_pks)
        pks = np.concatenate([base_pks, tail_pks])
        stamps = np.concatenate([base_stamps, tail_stamps])
        # The last occurrence of each pk (a part overrides the base and earlier parts).
        unique, first_from_end = np.unique(pks[::-1], return_index=True)
        self.rows = len(pks) - 1 - first_from_end
        self.pks, self.stamps = unique, stamps[self.rows]
        self._similarities = BoundedCache(KEPT_SIMILARITIES, size_of=lambda _similarities: 1)

    def everything(self):
        return self.pks, self.stamps, self.vectors_of_rows(self.rows)

    def kept_similarities(self, vector):
        return self._similarities.get(vector.tobytes())

    def vectors_of_rows(self, rows):
        """float32 vectors of `rows` (read from the base only for those rows)."""
        rows = np.asarray(rows, np.int64)
        out = np.empty((len(rows), DIMENSIONS), np.float32)
        in_base = rows < self.base_rows
        out[in_base] = self.base[rows[in_base]]
        out[~in_base] = self.tail[rows[~in_base] - self.base_rows]
        return out

    def similarities(self, vector):
        """Every row's similarity to `vector`: the base (memory-mapped), then the parts. Kept for
        the last few query vectors: a query's next page, facet click, filter or date refinement
        asks again, and the scan reads every vector (~11 ms at 100,000 articles, memory-bound)."""
        key = vector.tobytes()
        found = self._similarities.get(key)
        if found is None:
            found = np.concatenate([self.base @ vector, self.tail @ vector]).astype(np.float32, copy=False)
            found.setflags(write=False)
            self._similarities[key] = found
        return found


class AlignedVectors:
    """The loaded vectors seen in a snapshot's document order: cheap to make after every save."""

    def __init__(self, snapshot, loaded):
        self.loaded = loaded
        pks = loaded.pks
        where = np.searchsorted(pks, snapshot.pk).clip(0, max(len(pks) - 1, 0))
        found = (pks[where] == snapshot.pk) if len(pks) else np.zeros(len(snapshot.pk), bool)
        self.rows = loaded.rows[where] if len(pks) else np.zeros(len(snapshot.pk), np.int64)
        self.present = found & snapshot.live
        self.current = self.present & (loaded.stamps[where] == snapshot.updated) if len(pks) else self.present
        self._means = None
        self._nearest = BoundedCache(KEPT_SIMILARITIES, size_of=lambda _nearest: 1)

    def vectors_of(self, docnums):
        return self.loaded.vectors_of_rows(self.rows[docnums])

    def similarities_of(self, docnums, vector):
        """Exact similarity of each of `docnums` (which must be present) to `vector`: read from a
        kept scan when there is one, else from the hits' own vectors (~1 ms a thousand)."""
        kept = self.loaded.kept_similarities(vector)
        return kept[self.rows[docnums]] if kept is not None else self.vectors_of(docnums) @ vector

    def similarities(self, vector):
        """Each document's similarity to `vector` (meaningless where `present` is False): a full scan."""
        return self.loaded.similarities(vector)[self.rows]

    def nearest(self, allowed, vector, count):
        """Up to `count` documents among `allowed` (a mask; None: every document) nearest to
        `vector`, nearest first, with their similarities. Those of every document are kept
        with the query's similarities: the next page of a query without filters asks again."""
        if allowed is None:
            key = (vector.tobytes(), count)
            found = self._nearest.get(key)
            if found is None:
                found = self._nearest[key] = self.nearest(self.present, vector, count)
            return found
        docnums = np.flatnonzero(allowed & self.present)
        similarities = self.loaded.similarities(vector)[self.rows[docnums]]
        if len(docnums) > count:
            top = np.argpartition(similarities, len(docnums) - count)[len(docnums) - count :]
            docnums, similarities = docnums[top], similarities[top]
        order = np.argsort(-similarities, kind="stable")
        return docnums[order], similarities[order]

    def language_means(self, codes):
        """The mean vector of each language's documents (row = the snapshot's language code), from a sample."""
        if self._means is None:
            means = np.zeros((int(codes.max(initial=0)) + 1, DIMENSIONS), np.float32)
            for code in np.unique(codes[self.present]):
                docnums = np.flatnonzero(self.present & (codes == code))
                means[code] = self.vectors_of(docnums[evenly(len(docnums), LANGUAGE_SAMPLE)]).mean(axis=0)
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
            _cached["loaded"] = load(store)
        if _cached["aligned_key"] != aligned_key:
            _cached.update(aligned_key=aligned_key, aligned=AlignedVectors(snapshot, _cached["loaded"]))
        return _cached["aligned"]


def clear():
    """Forget the loaded vectors and their kept scans (a new process's state; benchmarks)."""
    with _cache_lock:
        _cached.update(loaded_key=None, loaded=None, aligned_key=None, aligned=None)


def load(store):
    for _ in range(3):
        try:
            return LoadedVectors(store)
        except FileNotFoundError:  # a merge removed a part after we listed it: list again
            continue
    raise RuntimeError(f"the vector store {store.directory} keeps changing under the reader")


def missing_pks(snapshot, home):
    """Live articles of the snapshot with no vector, or one from before their last change."""
    aligned = aligned_vectors(snapshot, home)
    return snapshot.pk[snapshot.live & ~aligned.current].tolist()
