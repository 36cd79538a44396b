"""What we read from each Whoosh segment, kept across index versions.

A Whoosh segment never changes once written; only its set of deleted documents does. A
save adds one small segment (and now and then merges a few small ones), so after it a
new snapshot reuses the columns, postings and positions already read from every other
segment instead of reading the whole index again (130 ms at 10,000 articles, seconds at
100,000, in every worker after every save). Arrays here use the segment's own document
numbers; a snapshot adds each segment's offset.

Nothing here holds a reader: the snapshot that asks passes its own segment reader, so a
closed, retired snapshot never leaves a dangling file behind.
"""

import os
import pickle
import threading
from collections import OrderedDict

import numpy as np

from archive.search.facets import FACETS
from archive.search.whoosh import backend as whoosh_backend
from archive.search.whoosh.arrays import (
    actor_lists,
    category_segment,
    digest_segment,
    numeric_segment,
    segment_document_frequencies,
    segment_lengths,
    segment_of,
    segment_positions,
    segment_postings,
)

NUMERIC_COLUMNS = ("pk", "date_start", "date_end", "dup_of", "updated")


def category_columns():
    """The single-label facet fields (source, kind, lang and any registered since)."""
    return FACETS.keyword_fields()


# Bytes of postings and positions kept in memory across all segments. A bound on entries
# alone would let a few thousand common terms take gigabytes.
TERM_CACHE_BYTES = 96 * 2**20
# Segments whose columns are kept beyond the newest snapshot's own: those a merge just replaced,
# which older snapshots still read. (A fixed bound of 256 re-read all 400 segments of a
# million-article index after every save, 6 s, as each snapshot pushed out the next's.)
SPARE_SEGMENTS = 64


def segment_key(segment_reader):
    return segment_of(segment_reader).segment_id(), segment_reader.doc_count_all()


class SegmentArrays:
    """The per-document columns of one segment, read in bulk once."""

    def __init__(self, segment_reader):
        count = segment_reader.doc_count_all()
        self.size = count
        self.numeric = {name: numeric_segment(segment_reader, name, count) for name in NUMERIC_COLUMNS}
        self.categories = {name: category_segment(segment_reader, name, count) for name in category_columns()}
        self.actors = actor_lists(segment_reader)
        self.lengths = {}
        self.frequencies = {}
        self.hashes = None

    def document_frequencies(self, segment_reader, field):
        """{term: documents in this segment}, read on first use (for did-you-mean)."""
        if field not in self.frequencies:
            self.frequencies[field] = segment_document_frequencies(segment_reader, field)
        return self.frequencies[field]

    def content_hashes(self, segment_reader):
        """Each document's content hash (hex, "" unknown), read on first use (by index_doctor only)."""
        if self.hashes is None:
            self.hashes = digest_segment(segment_reader, "content_hash", self.size)
        return self.hashes

    def field_lengths(self, segment_reader, field):
        if field not in self.lengths:
            self.lengths[field] = segment_lengths(segment_reader, field, self.size)
        return self.lengths[field]


class SegmentCache:
    def __init__(self):
        self._segments = OrderedDict()
        self._terms = OrderedDict()  # (segment key, kind, field, term) → arrays
        self._term_bytes = 0
        self._merged = {}
        self._lock = threading.Lock()

    def arrays(self, segment_reader):
        key = segment_key(segment_reader)
        with self._lock:
            found = self._segments.get(key)
            if found is not None:
                self._segments.move_to_end(key)
                return found
        found = SegmentArrays(segment_reader)
        with self._lock:
            self._segments[key] = found
        return found

    def keep_newest(self, count):
        """Forget all but the `count` segments used last: a snapshot has just used its own."""
        with self._lock:
            while len(self._segments) > count:
                self._segments.popitem(last=False)

    def postings(self, segment_reader, field, term):
        """(docnums, term frequencies) of `term` in one segment."""
        return self._term(segment_reader, "postings", field, term, segment_postings)

    def positions(self, segment_reader, field, forms):
        """Each occurrence of any of `forms` (a word's indexed forms) in one segment as
        docnum << 32 | word position, sorted."""
        return self._term(segment_reader, "positions", field, tuple(forms), self._positions_of_held)

    def _positions_of_held(self, segment_reader, field, forms):
        # The phrase's words were just looked up for their postings: a form this segment does
        # not hold is not looked up again (most forms of a word are missing from most segments).
        held = [form for form in forms if len(self.postings(segment_reader, field, form)[0])]
        return positions_of_any(segment_reader, field, held)

    def _term(self, segment_reader, kind, field, term, read):
        key = (segment_key(segment_reader), kind, field, term)
        with self._lock:
            found = self._terms.get(key)
            if found is not None:
                self._terms.move_to_end(key)
                return found
        found = read(segment_reader, field, term)
        with self._lock:
            if key not in self._terms:
                self._terms[key] = found
                self._term_bytes += _nbytes(found)
            while self._term_bytes > TERM_CACHE_BYTES and len(self._terms) > 1:
                _, dropped = self._terms.popitem(last=False)
                self._term_bytes -= _nbytes(dropped)
        return found

    def term_counts(self, leaves, field, directory):
        """TermCounts over `leaves` ((segment reader, offset, SegmentArrays)).

        The stable segments' counts are merged once per set of stable segments: taken from
        the file a rebuild leaves in `directory` for the segments it wrote, read (and then
        dropped) for any other. Only the small segments' own counts are kept: kept for every
        segment they took ~450 MB at 100,000 articles."""
        # Saves never merge segments this large (whoosh_backend.merge_small_segments).
        small = whoosh_backend.SMALL_SEGMENT_DOCS
        stable = [segment for segment, _, part in leaves if part.size >= small]
        key = ("term counts", field, tuple(segment_key(segment) for segment in stable))
        with self._lock:
            merged = self._merged.get(key)
        if merged is None:
            counts, covered = stored_term_counts(directory, field)
            for segment in stable:
                if segment_of(segment).segment_id() not in covered:
                    add_counts(counts, segment_document_frequencies(segment, field))
            merged = (counts, list(counts))
            with self._lock:
                self._merged = {key: merged}  # only the newest set is worth keeping
        fresh = [
            part.document_frequencies(segment, field)
            for segment, _, part in leaves
            if part.size < whoosh_backend.SMALL_SEGMENT_DOCS
        ]
        return TermCounts(*merged, fresh)

    def cached_term_bytes(self):
        return self._term_bytes

    def clear(self):
        with self._lock:
            self._segments.clear()
            self._terms.clear()
            self._merged.clear()
            self._term_bytes = 0


segments = SegmentCache()


TERM_COUNTS_FILE = "term_counts.pickle"


def add_counts(total, counts):
    for term, count in counts.items():
        total[term] = total.get(term, 0) + count
    return total


def write_term_counts(directory, segment_ids, counts_by_field):
    """Leave the counts of a rebuild's segments beside them, so each worker need not read
    every segment's terms again (~10 s at 100,000 articles)."""
    with open(os.path.join(directory, TERM_COUNTS_FILE), "wb") as file:
        pickle.dump({"segments": set(segment_ids), "fields": counts_by_field}, file, protocol=pickle.HIGHEST_PROTOCOL)


def stored_term_counts(directory, field):
    """({term: count} of the segments a rebuild wrote, their segment ids); empty without the file."""
    try:
        with open(os.path.join(directory, TERM_COUNTS_FILE), "rb") as file:
            stored = pickle.load(file)
    except (OSError, pickle.UnpicklingError, EOFError):
        return {}, set()
    return dict(stored["fields"].get(field, {})), stored["segments"]


class TermCounts:
    """How many documents hold each term, over segments held as one merged dict of the
    stable segments plus the small ones a save adds (too many to re-merge on every save)."""

    def __init__(self, merged, merged_terms, fresh):
        self.parts = [merged, *fresh]
        self._merged_terms = merged_terms

    def __contains__(self, term):
        return any(term in part for part in self.parts)

    def __getitem__(self, term):
        return sum(part.get(term, 0) for part in self.parts)

    def term_lists(self):
        """Each part's terms (a term may be in several)."""
        return [self._merged_terms, *(list(part) for part in self.parts[1:])]


def positions_of_any(segment_reader, field, forms):
    keys = [found for form in forms if (found := segment_positions(segment_reader, field, form)).size]
    if len(keys) <= 1:  # usually only one of a word's forms occurs in a segment
        return keys[0] if keys else np.zeros(0, dtype=np.int64)
    return np.sort(np.concatenate(keys))


class BoundedCache:
    """A dict that forgets the least recently used entries past a total size (`size_of` an
    entry: by default the bytes of its array or tuple of arrays); safe to share between a
    worker's threads."""

    def __init__(self, limit, size_of=None):
        self.limit = limit
        self.size_of = size_of or _nbytes
        self.size = 0
        self._entries = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def __setitem__(self, key, value):
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = value
            self.size += self.size_of(value)
            while self.size > self.limit and len(self._entries) > 1:
                _, dropped = self._entries.popitem(last=False)
                self.size -= self.size_of(dropped)


def _nbytes(arrays):
    return sum(array.nbytes for array in arrays) if isinstance(arrays, tuple) else arrays.nbytes


def concatenated(parts, dtype):
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype=dtype)
