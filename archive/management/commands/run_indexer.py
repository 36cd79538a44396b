import logging
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


def next_limit(limit, applied, seconds):
    """The next bulk batch's size: as many changes as the last ones took BATCH_SECONDS to apply."""
    if applied < limit and seconds <= BATCH_SECONDS:
        return limit  # the queue ran dry, not the time
    rate = applied / max(seconds, 1e-3)
    return max(MIN_BATCH, min(BATCH_SIZE, int(rate * BATCH_SECONDS)))


def merge_when_idle():
    """Fold the small segments saves and imports left, a bounded step at a time, while nothing
    waits to be applied: a change arriving meanwhile waits for one step at most."""
    backend = connections["default"].get_backend()
    merge_step = getattr(backend, "merge_step", None)  # a cluster merges by itself
    while merge_step is not None and not due_tasks_exist() and merge_step():
        pass


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
        parser.add_argument("--interval", type=float, default=0.5, help="Seconds between polls (default 0.5).")

    def handle(self, *args, once=False, interval=0.5, **options):
        self.limit = FIRST_BULK_BATCH
        # While it runs, imports leave the index to it (outbox.indexer_running).
        with indexer_presence():
            poll(self.apply_and_merge, interval, once, what="index update")

    def apply_and_merge(self):
        self.limit = self.drain_due(self.limit)
        merge_when_idle()
        retag_when_idle()

    def drain_due(self, limit):
        """Apply every due change, most urgent first, in batches sized to finish in BATCH_SECONDS."""
        while True:
            started = time.monotonic()
            applied = drain(bulk_limit=limit)
            if not applied:
                return limit
            log.info("indexed %d queued changes in %.2f s", applied, time.monotonic() - started)
            if applied <= limit:  # a batch of editors' changes larger than bulk batches says nothing of them
                limit = next_limit(limit, applied, time.monotonic() - started)
