"""Rebuild the Whoosh index into a new generation and swap it in atomically.

Searches keep reading the live generation until the swap, and saves keep being indexed
into it. After the swap, whatever changed during the rebuild is found by comparing the
new generation with the database (archive.search.doctor) and applied, so nothing saved
meanwhile is lost. A rebuild that dies before the swap leaves the live index untouched.
"""

import os
import shutil
import time
from dataclasses import dataclass

from haystack import connections

from archive.models import Article
from archive.search.doctor import find_drift, repair
from archive.search.whoosh_backend import ArchiveWhooshBackend, archive_schema, swap_pointer, whoosh_document

with __import__("warnings").catch_warnings():
    __import__("warnings").simplefilter("ignore", SyntaxWarning)
    from whoosh.codec.whoosh3 import W3Codec
    from whoosh.filedb.filestore import FileStorage

GENERATION_PREFIX = "generation-"
# Whoosh indexes in this many processes, each writing its own segment (multisegment: no
# final merge). The parent reads the database and analyses the text meanwhile.
REBUILD_PROCS = int(os.environ.get("REBUILD_PROCS", str(min(2, os.cpu_count() or 1))))
# zlib level for posting blocks. Most terms are rare (Zipf) and their one small block
# gains little from compressing but costs a call each.
POSTINGS_COMPRESSION = int(os.environ.get("REBUILD_COMPRESSION", "3"))
WRITER_MEMORY_MB = 256


@dataclass
class RebuildReport:
    documents: int
    seconds: float
    caught_up: int
    generation: str

    @property
    def documents_per_second(self):
        return self.documents / self.seconds if self.seconds else 0.0


def rebuild(batch_size=500, progress=None):
    backend = connections["default"].get_backend()
    if not isinstance(backend, ArchiveWhooshBackend):
        raise TypeError("rebuild_search_index is for the Whoosh backend; use haystack's rebuild_index for a cluster")
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
    article_index = connections["default"].get_unified_index().get_index(Article)
    writer = generation_writer(index)
    documents = 0
    try:
        for article in article_index.index_queryset().iterator(chunk_size=batch_size):
            writer.add_document(**whoosh_document(article_index.full_prepare(article)))
            documents += 1
            if progress is not None:
                progress.update(1)
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    return documents


def generation_writer(index):
    codec = W3Codec(compression=POSTINGS_COMPRESSION)
    if REBUILD_PROCS <= 1:
        return index.writer(limitmb=WRITER_MEMORY_MB, codec=codec)
    options = {"limitmb": WRITER_MEMORY_MB // REBUILD_PROCS, "codec": codec}
    return index.writer(procs=REBUILD_PROCS, multisegment=True, batchsize=200, subargs=options, **options)


def remove_generations(home, keep):
    """Delete generations other than `keep` (the live one and the one before it, which a
    worker that has not yet noticed the swap may still be reading)."""
    for entry in os.listdir(home):
        if entry.startswith(GENERATION_PREFIX) and entry not in keep:
            shutil.rmtree(os.path.join(home, entry), ignore_errors=True)
