import logging
import multiprocessing
import os
import time

from django.core.management.base import BaseCommand
from haystack import connections

from archive.background import poll
from archive.search.engine import current_engine
from archive.search.outbox import BATCH_SIZE, drain, due_tasks_exist, indexer_presence

log = logging.getLogger(__name__)
# Seconds one batch of a bulk import's index changes may take. An editor's change waits for
# the batch in hand to commit, so bulk batches are sized to finish in about this long, from
# the rate the last one was applied at. Editors' own changes go in batches of BATCH_SIZE.
BATCH_SECONDS = 0.5
MIN_BATCH, FIRST_BULK_BATCH = 5, 20
# The merger yields the cores to the site and the indexer, as an import does, whose segments it
# folds: at the embedder's 10 it fell behind a 10,000-record import (119 segments in 6 minutes).
MERGE_NICENESS = 5
MERGE_LOCK_TIMEOUT = 30.0
# Seconds between looks at the outbox when it is empty: an editor's save waits for the next look,
# and a look is one indexed query.
POLL_SECONDS = 0.25


def next_limit(limit, applied, seconds):
    """The next bulk batch's size: as many changes as the last ones took BATCH_SECONDS to apply."""
    if applied < limit and seconds <= BATCH_SECONDS:
        return limit  # the queue ran dry, not the time
    rate = applied / max(seconds, 1e-3)
    return max(MIN_BATCH, min(BATCH_SIZE, int(rate * BATCH_SECONDS)))


class Merger:
    """Merges the small segments saves and imports leave, in a child process at low priority:
    a merge holds the index's write lock only to swap its segment in (merge_aside), so neither
    the indexer nor an editor's change waits for it."""

    def __init__(self):
        self.process = None

    def start_if_due(self):
        if self.process is not None:
            if self.process.is_alive():
                return
            self.process.join()
            self.process = None
        backend = connections["default"].get_backend()
        if getattr(backend, "merge_aside", None) is None:  # a cluster merges by itself
            return
        if backend.has_segments_to_merge():
            # The child reads and writes only index files; it ends with os._exit, so it never
            # closes the database connections it inherited from this process.
            self.process = multiprocessing.get_context("fork").Process(target=merge_all, daemon=True)
            self.process.start()

    def stop(self):
        if self.process is not None:
            self.process.join()


def merge_all():
    """The merger's life: merge until nothing is left to merge, or its indexer is gone."""
    os.nice(MERGE_NICENESS)
    indexer = os.getppid()
    backend = connections["default"].get_backend()
    # Waiting for the lock costs a merger nothing; giving up wastes its merge (seconds of work).
    backend.lock_timeout = MERGE_LOCK_TIMEOUT
    try:
        while os.getppid() == indexer and backend.merge_aside():
            pass
    except Exception:
        log.warning("merging index segments failed; will retry", exc_info=True)


def retag_when_idle():
    """Re-tag the articles of concepts edited in the registry (whoosh/tags.py) while nothing
    waits to be applied; a cluster engine searches concepts by their terms and has nothing to do."""
    engine = current_engine()
    if hasattr(engine, "retag_concepts") and not due_tasks_exist() and engine.stale_concepts():
        log.info("re-tagged %d articles with the registry's concepts", engine.retag_concepts())


class Command(BaseCommand):
    help = (
        "Apply queued search-index changes, with retries: the archive's one index writer. "
        "(run_embedder embeds articles for search by meaning, in its own process.)"
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Drain what is due now, then exit.")
        parser.add_argument(
            "--interval", type=float, default=POLL_SECONDS, help=f"Seconds between polls (default {POLL_SECONDS})."
        )

    def handle(self, *args, once=False, interval=POLL_SECONDS, **options):
        self.limit, self.merger = FIRST_BULK_BATCH, Merger()
        # While it runs, imports leave the index to it (outbox.indexer_running).
        with indexer_presence():
            try:
                poll(self.apply_and_merge, interval, once, what="index update")
            finally:
                self.merger.stop()

    def apply_and_merge(self):
        self.limit = self.drain_due(self.limit)
        self.merger.start_if_due()
        retag_when_idle()

    def drain_due(self, limit):
        """Apply every due change, most urgent first, in batches sized to finish in BATCH_SECONDS."""
        while True:
            started = time.monotonic()
            applied = drain(bulk_limit=limit)
            if not applied:
                return limit
            seconds = time.monotonic() - started
            log.info("indexed %d queued changes in %.2f s", applied, seconds)
            if applied <= limit:  # a batch of editors' changes larger than bulk batches says nothing of them
                limit = next_limit(limit, applied, seconds)
            self.merger.start_if_due()  # an import's batches leave segments to fold as they come
