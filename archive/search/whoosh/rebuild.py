"""Rebuild the Whoosh index into a new generation and swap it in atomically.

Searches keep reading the live generation until the swap, and saves keep being indexed
into it. After the swap, whatever changed during the rebuild is found by comparing the
new generation with the database (archive.search.doctor) and applied, so nothing saved
meanwhile is lost. A rebuild that dies before the swap leaves the live index untouched.
"""

import multiprocessing
import os
import shutil
import threading
import time
from concurrent.futures import ProcessPoolExecutor

from haystack import connections

from archive.models import Article
from archive.search.concept_tags import current_tagger
from archive.search.doctor import find_drift, repair
from archive.search.engine import RebuildReport
from archive.search.whoosh import backend as whoosh_backend
from archive.search.whoosh import tags
from archive.search.whoosh.arrays import ArchiveCodec, finalize_segment, segment_document_frequencies
from archive.search.whoosh.backend import (
    archive_schema,
    swap_pointer,
    whoosh_document,
)
from archive.search.whoosh.segments import add_counts, write_term_counts

with __import__("warnings").catch_warnings():
    __import__("warnings").simplefilter("ignore", SyntaxWarning)
    from whoosh.filedb.filestore import FileStorage
    from whoosh.reading import SegmentReader
    from whoosh.writing import SegmentWriter

GENERATION_PREFIX = "generation-"
# Worker processes that index: the parent reads the database and prepares documents,
# each worker turns a batch into one finished segment. Segments are kept as they are
# (no final merge): our search reads every segment's arrays anyway.
REBUILD_PROCS = int(os.environ.get("REBUILD_PROCS", str(min(2, os.cpu_count() or 1))))
# Documents per segment. Whoosh sorts a segment's postings in memory up to its writer's
# limit and spills sorted runs to disk beyond it, then merges them back in Python, which
# doubled the cost per document; a batch this size (~200 MB of postings) never spills.
SEGMENT_DOCS = 2500
WRITER_MEMORY_MB = 512
# zlib level for posting blocks. Most terms are rare (Zipf) and their one small block
# gains little from compressing but costs a call each.
POSTINGS_COMPRESSION = int(os.environ.get("REBUILD_COMPRESSION", "3"))


def rebuild(batch_size=500, progress=None, backend=None):
    backend = backend or connections["default"].get_backend()
    backend.ensure_current()
    started = time.perf_counter()
    name = f"{GENERATION_PREFIX}{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
    documents = write_generation(os.path.join(backend.path, name), batch_size, progress)
    previous = os.path.basename(backend.index_dir)
    swap_pointer(backend.path, name)
    backend.ensure_current()
    caught_up = repair(find_drift(backend))
    remove_generations(backend.path, keep={name, previous})
    return RebuildReport(documents, time.perf_counter() - started, caught_up, name)


def write_generation(directory, batch_size, progress=None):
    os.makedirs(directory)
    index = FileStorage(directory, supports_mmap=False).create_index(archive_schema())
    tagger = current_tagger()
    batches = prepared_batches(batch_size, progress, tagger)
    if REBUILD_PROCS <= 1:
        written = [index_batch(directory, batch) for batch in batches]
    else:
        written = index_in_processes(directory, batches)
    segments = [segment for segment, _ in written]
    # Only for segments saves will never merge away: those the file's counts stay true for.
    stable = [
        (segment, counts) for segment, counts in written if segment.doc_count_all() >= whoosh_backend.SMALL_SEGMENT_DOCS
    ]
    total = {}
    for _, counts in stable:
        add_counts(total, counts)
    write_term_counts(directory, [segment.segment_id() for segment, _ in stable], {"text": total})
    writer = index.writer()
    writer.commit(mergetype=lambda _writer, _existing: segments)
    tags.write_digests(directory, tagger.digests)  # every document was tagged with these concepts' terms
    return sum(segment.doc_count_all() for segment in segments)


def prepared_batches(batch_size, progress, tagger):
    """Lists of SEGMENT_DOCS prepared documents, read from the database in chunks."""
    article_index = connections["default"].get_unified_index().get_index(Article)
    batch = []
    for article in article_index.index_queryset().iterator(chunk_size=batch_size):
        batch.append(whoosh_document(article_index.full_prepare(article), article, tagger))
        if progress is not None:
            progress.update(1)
        if len(batch) >= SEGMENT_DOCS:
            yield batch
            batch = []
    if batch:
        yield batch


def index_in_processes(directory, batches):
    """index_batch of each batch, REBUILD_PROCS at a time, in order; at most two batches
    wait per worker, so memory stays bounded whatever the archive's size."""
    segments, pending = [], []
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(REBUILD_PROCS, context, initializer=exit_with, initargs=(os.getpid(),)) as pool:
        for batch in batches:
            pending.append(pool.submit(index_batch, directory, batch))
            while len(pending) > 2 * REBUILD_PROCS:
                segments.append(pending.pop(0).result())
        segments.extend(future.result() for future in pending)
    return segments


def exit_with(parent):
    """Make a worker end when the rebuild that started it dies (SIGKILL included). Forked
    workers share the job pipe, so they would otherwise wait on it forever."""

    def watch():
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def index_batch(directory, documents):
    """(One finished segment holding `documents`, its text terms' document counts). The
    segment is written beside the index without its lock (the rebuild's commit adds every
    segment at once), as Whoosh's own MpWriter does."""
    index = FileStorage(directory, supports_mmap=False).open_index(schema=archive_schema())
    codec = ArchiveCodec(compression=POSTINGS_COMPRESSION)
    writer = SegmentWriter(index, _lk=False, codec=codec, limitmb=WRITER_MEMORY_MB)
    for document in documents:
        writer.add_document(**document)
    # The workers share one temporary directory: the final commit removes it, not a worker.
    segment = finalize_segment(writer)
    reader = SegmentReader(index.storage, index.schema, segment)
    try:  # its text terms' counts, for did-you-mean (segments.write_term_counts)
        return segment, segment_document_frequencies(reader, "text")
    finally:
        reader.close()


def remove_generations(home, keep):
    """Delete generations other than `keep` (the live one and the one before it, which a
    worker that has not yet noticed the swap may still be reading)."""
    for entry in os.listdir(home):
        if entry.startswith(GENERATION_PREFIX) and entry not in keep:
            shutil.rmtree(os.path.join(home, entry), ignore_errors=True)
