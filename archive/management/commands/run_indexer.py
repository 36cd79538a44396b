import logging
import time

from django.core.management.base import BaseCommand

from archive.search.outbox import BATCH_SIZE, drain, indexer_presence
from archive.search.semantic import embed_pending

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


class Command(BaseCommand):
    help = (
        "Apply queued search-index changes, with retries: the archive's one index writer. "
        "Between them it embeds new and changed articles for search by meaning."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Drain what is due now, then exit.")
        parser.add_argument("--interval", type=float, default=0.5, help="Seconds between polls (default 0.5).")

    def handle(self, *args, once=False, interval=0.5, **options):
        limit = FIRST_BULK_BATCH
        # While it runs, imports leave the index to it (outbox.indexer_running).
        with indexer_presence():
            while True:
                embedded = 0
                try:
                    limit = self.drain_due(limit)
                    # Then a few articles' vectors for search by meaning: index changes never wait long.
                    if embedded := embed_pending():
                        log.info("embedded %d articles", embedded)
                except Exception:
                    log.warning("index update failed; will retry", exc_info=True)
                if once:
                    return
                if not embedded:
                    time.sleep(interval)

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
