"""Our haystack engine for Whoosh: a lean schema, our own analysis, and writes that never fail silently.

haystack's stock Whoosh backend analyses faceted CharFields as stemmed text, stores
every text field twice, copies memory-mapped segments into memory on each searcher open,
and swallows failed writes (AsyncWriter, SILENTLY_FAIL). This backend keeps haystack's
SearchIndex and management commands but replaces all four.
"""

import collections
import functools
import logging
import os
import shutil
import threading
import time
import warnings
from contextlib import contextmanager

from haystack.backends import BaseEngine
from haystack.backends.whoosh_backend import WhooshSearchBackend, WhooshSearchQuery
from haystack.exceptions import SkipDocument
from haystack.utils import get_identifier

from archive.search.concept_tags import current_tagger
from archive.search.document import indexed_document
from archive.search.errors import IndexBusy, IndexUnavailable
from archive.search.facets import FACETS
from archive.search.whoosh.arrays import ArchiveCodec, PreAnalysedPositions, merge_from_snapshot, reader_sharing_files

with warnings.catch_warnings():
    # Whoosh 2.7.4 (2016) uses escape sequences newer Pythons warn about.
    warnings.simplefilter("ignore", SyntaxWarning)
    from whoosh import columns, fields, index
    from whoosh.analysis import SpaceSeparatedTokenizer
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC, clean_files
    from whoosh.qparser import QueryParser
    from whoosh.reading import EmptyReader, MultiReader, SegmentReader
    from whoosh.searching import Searcher
    from whoosh.util.filelock import try_for

log = logging.getLogger(__name__)

# Seconds a writer waits for Whoosh's single write lock before giving up; a change that
# cannot be written stays in the outbox and is retried, so this only bounds latency.
WRITE_LOCK_TIMEOUT = float(os.environ.get("SEARCH_WRITE_TIMEOUT", "2.0"))
# Segments below this size are merged, ten at a time (merge_small_segments).
SMALL_SEGMENT_DOCS = 500
MERGE_AFTER_SMALL_SEGMENTS = 10
# Documents one merge may rewrite (10 segments of up to 500 documents took 6 s on a busy machine).
MAX_MERGE_DOCS = 1000
# A change's own commit merges only segments this small (editors' saves of an article or
# two; run_indexer's bulk batches hold at least MIN_BATCH = 5), which costs milliseconds.
# Larger small segments are merged aside (merge_aside) while writers go on: merged inside
# commits, or in steps holding the write lock, they held editors' saves for 1.5–10 s in the
# 50,000-article load runs. Only when small segments pile up past MAX_SMALL_SEGMENTS (no
# merger running) do commits merge them; while a merge aside is being written, past
# MAX_SMALL_SEGMENTS_WHILE_MERGING: a commit merging the same segments drops the merger's work
# (8 of 53 merges in a load run whose import outran the merger) and holds the batch for seconds.
TINY_SEGMENT_DOCS = 5
MAX_SMALL_SEGMENTS = 100
MAX_SMALL_SEGMENTS_WHILE_MERGING = 300
# Where merge_aside writes its segment: a folder Whoosh's clean-up of old files skips.
MERGE_STAGING = ".merging"


def analysed_text_field():
    # Positions kept for phrases; SpaceSeparatedTokenizer is what queries parse with.
    field = fields.TEXT(analyzer=SpaceSeparatedTokenizer(), phrase=True)
    field.format = PreAnalysedPositions(field_boost=field.format.field_boost)
    return field


def archive_schema():
    # Text fields hold terms we analysed ourselves (one per word, positions kept for
    # phrases). Nothing is stored twice: snippets are cut from the database text.
    schema = fields.Schema(
        id=fields.ID(stored=True, unique=True),
        pk=fields.NUMERIC(int, bits=64, sortable=True, stored=True),
        title=analysed_text_field(),
        text=analysed_text_field(),
        author=analysed_text_field(),
        source=fields.ID(sortable=True),
        kind=fields.ID(sortable=True),
        lang=fields.ID(sortable=True),
        actors=fields.KEYWORD(commas=True, lowercase=False),
        # Registry concepts whose terms occur in the title / the text, a slug per occurrence
        # (archive/search/concept_tags.py): "all languages" reads one posting list per concept.
        title_concepts=fields.KEYWORD(scorable=True),
        concepts=fields.KEYWORD(scorable=True),
        date_start=fields.NUMERIC(int, sortable=True),
        date_end=fields.NUMERIC(int, sortable=True),
        dup_of=fields.NUMERIC(int, bits=64, sortable=True),
        updated=fields.NUMERIC(int, bits=64, sortable=True),
        # The sha256 digest as 32 bytes in a column (not indexed, not stored): only
        # index_doctor reads it (arrays.digest_segment), so searches never pay for it.
        content_hash=fields.COLUMN(columns.FixedBytesColumn(CONTENT_HASH_BYTES)),
    )
    for facet in FACETS.added():  # a registered facet's field: one label per article
        schema.add(facet.field, fields.ID(sortable=True))
    return schema


CONTENT_HASH_BYTES = 32
# The text fields whose concepts are tagged, and the field each one's tags go to.
CONCEPT_FIELDS = {"title": "title_concepts", "text": "concepts"}


# Derived from date_start when the index is read, so not stored in Whoosh.
DERIVED_FIELDS = ("year", "month", "date_oldest")


def whoosh_document(prepared, article=None, tagger=None):
    """The indexed document (archive.search.document) as our Whoosh schema holds it, tagged
    with the concepts of `tagger` (by default the registry's current one)."""
    document = indexed_document(prepared, article)
    document["actors"] = ",".join(document["actors"])
    tagger = tagger or current_tagger()
    for field, tags_field in CONCEPT_FIELDS.items():
        document[tags_field] = tagger.field_value(document[field], document["lang"])
    for name in DERIVED_FIELDS:
        del document[name]
    digest = document.pop("content_hash")
    if len(digest) == CONTENT_HASH_BYTES * 2:  # left out (unknown) unless a sha256 hex digest
        document["content_hash"] = bytes.fromhex(digest)
    return document


class ArchiveWhooshBackend(WhooshSearchBackend):
    """PATH is the index home: it holds index generations and a CURRENT file naming the live one.

    A rebuild writes a new generation beside the live one and swaps CURRENT atomically,
    so searches and saves keep working throughout and a crashed rebuild changes nothing.
    """

    POINTER = "CURRENT"

    def setup(self):
        os.makedirs(self.path, exist_ok=True)
        self.index_dir = self.current_index_dir()
        # Without mmap, opening a searcher reads only what it needs instead of copying
        # every segment into memory (62 ms at 10k documents → under 1 ms).
        self.storage = FileStorage(self.index_dir, supports_mmap=False)
        self.content_field_name, self.schema = "text", archive_schema()
        self.parser = QueryParser("text", schema=self.schema)
        if index.exists(self.storage):
            self.index = self.storage.open_index(schema=self.schema)
        else:
            self.index = self.storage.create_index(self.schema)
        self.segment_readers = getattr(self, "segment_readers", None) or SegmentReaders()
        self.setup_complete = True

    def current_index_dir(self):
        """The live generation's directory, creating a first one for a new index home."""
        pointer = os.path.join(self.path, self.POINTER)
        try:
            with open(pointer, encoding="utf-8") as file:
                name = file.read().strip()
        except FileNotFoundError:
            name = "generation-1"
            os.makedirs(os.path.join(self.path, name), exist_ok=True)
            swap_pointer(self.path, name)
        return os.path.join(self.path, name)

    def ensure_current(self):
        """Reopen the index if a rebuild swapped in a new generation since we opened it."""
        if not self.setup_complete or self.current_index_dir() != self.index_dir:
            self.setup()

    def build_schema(self, fields_):
        return "text", archive_schema()

    # Seconds writes wait for the lock; the outbox sets 0 for drains inside a request.
    lock_timeout = WRITE_LOCK_TIMEOUT

    def writer(self):
        self.ensure_current()
        try:
            writer = self.index.writer(timeout=self.lock_timeout, codec=ArchiveCodec())
        except index.LockError as error:
            raise IndexBusy("another process is writing the search index") from error
        except Exception as error:
            raise IndexUnavailable(f"the search index cannot be written: {error}") from error
        writer.mergetype = merge_in_commit
        return writer

    def update(self, index_, iterable, commit=True):
        documents = list(self.documents(index_, iterable))
        if not documents:
            return
        with self.writing() as writer:
            self.replace(writer, documents)

    @staticmethod
    def documents(index_, objects):
        # Made when the first document is (for outbox changes, under the write lock): no writer
        # tags with a registry older than the last re-tagging saw (whoosh/tags.py).
        tagger = current_tagger()
        for obj in objects:
            try:
                yield whoosh_document(index_.full_prepare(obj), obj, tagger)
            except SkipDocument:
                continue

    @contextmanager
    def writing(self):
        """A writer holding the index's one write lock, committed on success, cancelled on error."""
        writer = self.writer()
        try:
            yield writer
            writer.commit()
        except BaseException:
            writer.cancel()
            raise

    def apply_changes(self, index_, load):
        """Write what `load()` returns — (objects to index, identifiers to remove) — reading
        it only once the write lock is held, so that of two writers the later one always
        applies the newer state of the database."""
        with self.writing() as writer:
            objects, identifiers = load()
            self.replace(writer, self.documents(index_, objects), identifiers)

    def replace(self, writer, documents, identifiers=()):
        """Add each document in place of the indexed one with its id, if any, and delete the
        documents of `identifiers`, finding ids with one searcher over the segments `writer`
        started from. (Whoosh's own update_document opens a reader over every segment for
        each document: a tenth of a bulk import's time.)"""
        segments = self.segment_readers.reader(writer.storage, writer.schema, writer.segments)
        with Searcher(segments) as searcher:
            for document in documents:
                writer.delete_by_term("id", document["id"], searcher=searcher)
                writer.add_document(**document)
            for identifier in identifiers:
                writer.delete_by_term("id", identifier, searcher=searcher)

    def merge_aside(self):
        """One merge of small segments that holds the write lock for milliseconds, not seconds:
        the merged segment is written from a snapshot (merge_from_snapshot), then swapped in
        for its parts with the deletions writers made meanwhile (publish_merge), as Lucene's
        background merges do. False when there was nothing to merge, another merge runs, or a
        writer changed the parts' segments meanwhile (nothing is lost: they stay as they are)."""
        self.ensure_current()
        staging_folder = os.path.join(self.index_dir, MERGE_STAGING)
        merge_lock = self.index.lock("MERGELOCK")
        if not merge_lock.acquire(blocking=False):
            return False
        try:
            snapshot = TOC.read(self.storage, self.index.indexname)
            parts = segments_to_merge(snapshot.segments)
            if not parts:
                return False
            started = time.monotonic()
            staging, merged = merge_from_snapshot(self.storage, self.index.indexname, snapshot, parts, staging_folder)
            locked = time.monotonic()
            with self.write_lock():
                published = publish_merge(self.storage, self.index.indexname, staging, parts, merged)
            log.info(
                "merged %d segments (%d documents) aside in %.2f s, %.3f s of it holding the write lock%s",
                len(parts), merged.doc_count_all(), time.monotonic() - started, time.monotonic() - locked,
                "" if published else "; dropped: a writer had merged one of them",
            )  # fmt: skip
            return published
        finally:
            shutil.rmtree(staging_folder, ignore_errors=True)
            merge_lock.release()

    def has_segments_to_merge(self):
        self.ensure_current()
        return bool(segments_to_merge(TOC.read(self.storage, self.index.indexname).segments))

    @contextmanager
    def write_lock(self):
        """The index's one write lock, without a writer (publish_merge writes the TOC itself)."""
        self.ensure_current()
        lock = self.index.lock("WRITELOCK")  # the very lock Whoosh's writers take
        if not try_for(lock.acquire, timeout=self.lock_timeout, delay=0.05):
            raise IndexBusy("another process is writing the search index")
        try:
            yield
        finally:
            lock.release()

    def remove(self, obj_or_string, commit=True):
        self.remove_identifiers([get_identifier(obj_or_string)])

    def remove_identifiers(self, identifiers):
        with self.writing() as writer:
            self.replace(writer, (), identifiers)

    def clear(self, models=None, commit=True):
        # Everything in this index is an article, so clearing a model clears the index.
        writer = self.writer()
        writer.commit(mergetype=_clear_all)

    def open_searcher(self):
        self.ensure_current()
        for attempt in range(10):
            try:
                segments = TOC.read(self.storage, self.index.indexname, schema=self.schema).segments
                return Searcher(self.segment_readers.reader(self.storage, self.schema, segments), fromindex=self.index)
            except OSError:  # a writer's clean-up removed a segment between the TOC and its files
                if attempt == 9:
                    raise
                time.sleep(0.05)

    def archive_engine(self):
        from archive.search.whoosh.engine import WhooshEngine

        return WhooshEngine(self)


class SegmentReaders:
    """The open files of the index's segments in this process, shared by every reader it
    hands out: the snapshots searches use and the searcher a writer finds ids with.

    Opening a segment reads its compound file's table and its terms file's hash directory.
    Done for every segment at each change of the index, it was 40 % of run_indexer's CPU
    and a quarter of a web worker's during the 50,000-article load run's import, and the
    first search after each save paid it in full. A segment's files never change once
    written, only its deletions, which the TOC's Segment holds: so each segment is opened
    once, and each reader handed out reads through those files with the deletions of the
    segment it was asked for (arrays.reader_sharing_files). A segment's files are closed
    once it has left the index and no reader handed out still reads it."""

    def __init__(self):
        self.lock = threading.Lock()
        self.holders = {}  # (folder, segment id) → the SegmentReader holding its files
        self.users = collections.Counter()
        self.latest = set()

    def reader(self, storage, schema, segments):
        readers = []
        try:
            for segment in segments:
                readers.append(self.shared(storage, schema, segment))
        except BaseException:
            for reader in readers:
                reader.close()
            raise
        with self.lock:
            self.latest = {(storage.folder, segment.segment_id()) for segment in segments}
            self.close_unused()
        if not readers:
            return EmptyReader(schema)
        return readers[0] if len(readers) == 1 else MultiReader(readers)

    def shared(self, storage, schema, segment):
        key = storage.folder, segment.segment_id()
        with self.lock:
            if key not in self.holders:
                self.holders[key] = SegmentReader(storage, schema, segment)
            self.users[key] += 1
            return reader_sharing_files(self.holders[key], segment, functools.partial(self.release, key))

    def release(self, key):
        with self.lock:
            self.users[key] -= 1
            self.close_if_unused(key)

    def close_unused(self):
        for key in list(self.holders):
            self.close_if_unused(key)

    def close_if_unused(self, key):
        if key not in self.latest and self.users[key] <= 0:
            self.holders.pop(key).close()
            del self.users[key]


def swap_pointer(home, name):
    """Point the index home at generation `name`, atomically (rename over the old pointer)."""
    temporary = os.path.join(home, f".{ArchiveWhooshBackend.POINTER}.{os.getpid()}")
    with open(temporary, "w", encoding="utf-8") as file:
        file.write(name)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, os.path.join(home, ArchiveWhooshBackend.POINTER))


def merge_in_commit(writer, segments):
    """The merge policy of a change's commit: tiny segments only, unless small ones pile up."""
    small = sum(1 for segment in segments if segment.doc_count_all() < SMALL_SEGMENT_DOCS)
    merging = os.path.isdir(os.path.join(writer.storage.folder, MERGE_STAGING))
    if small > (MAX_SMALL_SEGMENTS_WHILE_MERGING if merging else MAX_SMALL_SEGMENTS):
        return merge_small_segments(writer, segments)
    return merge_small_segments(writer, segments, below=min(TINY_SEGMENT_DOCS, SMALL_SEGMENT_DOCS))


def merge_small_segments(writer, segments, below=None):
    """Whoosh's merge policy for a save: fold the smallest segments together once there are
    MERGE_AFTER_SMALL_SEGMENTS below SMALL_SEGMENT_DOCS, and never touch larger ones.

    Whoosh's own MERGE_SMALL may pick a rebuild's equal-sized segments and rewrite most of
    the index inside one save; here a merge rewrites at most a few thousand documents, and
    each document is rewritten only a few times before it sits in a large segment."""
    merged = smallest_segments(segments, below or SMALL_SEGMENT_DOCS)
    for segment in merged:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [segment for segment in segments if segment not in merged]


def smallest_segments(segments, below):
    """The smallest segments under `below` documents, up to MAX_MERGE_DOCS (but always two),
    once MERGE_AFTER_SMALL_SEGMENTS of them have gathered; else none."""
    small = sorted((s for s in segments if s.doc_count_all() < below), key=lambda s: s.doc_count_all())
    if len(small) < MERGE_AFTER_SMALL_SEGMENTS:
        return []
    chosen, documents = [], 0
    for segment in small[:MERGE_AFTER_SMALL_SEGMENTS]:
        documents += segment.doc_count_all()
        if documents > MAX_MERGE_DOCS and len(chosen) >= 2:
            break
        chosen.append(segment)
    return chosen


def segments_to_merge(segments):
    """What merge_aside merges: small segments, leaving the tiny ones to commits (merge_in_commit),
    which would otherwise merge a part away under it."""
    return smallest_segments([s for s in segments if s.doc_count_all() >= TINY_SEGMENT_DOCS], SMALL_SEGMENT_DOCS)


def publish_merge(storage, indexname, staging, parts, merged):
    """Under the write lock: put `merged` in place of `parts` in a new TOC generation, deleting
    in it what writers deleted from the parts since the snapshot. False (the merge dropped)
    when a writer merged or dropped one of the parts meanwhile."""
    current = TOC.read(storage, indexname)
    now = {segment.segment_id(): segment for segment in current.segments}
    if any(part.segment_id() not in now for part in parts):
        return False
    new_docnum = 0
    for part in parts:  # the merged segment holds each part's live documents in order
        for docnum in range(part.doc_count_all()):
            if part.is_deleted(docnum):
                continue
            if now[part.segment_id()].is_deleted(docnum):
                merged.delete_document(new_docnum)
            new_docnum += 1
    for name in staging.list():
        os.replace(os.path.join(staging.folder, name), os.path.join(storage.folder, name))
    merged_ids = {part.segment_id() for part in parts}
    segments = [segment for segment in current.segments if segment.segment_id() not in merged_ids] + [merged]
    TOC(current.schema, segments, current.generation + 1).write(storage, indexname)
    clean_files(storage, indexname, current.generation + 1, segments)
    return True


def _clear_all(writer, segments):
    """A Whoosh merge policy that drops every existing segment."""
    return []


class ArchiveWhooshEngine(BaseEngine):
    backend = ArchiveWhooshBackend
    query = WhooshSearchQuery
