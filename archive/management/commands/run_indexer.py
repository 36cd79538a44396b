import logging
import time

from django.core.management.base import BaseCommand

from archive.search.outbox import drain
from archive.search.whoosh.hybrid import embed_pending

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Apply queued search-index changes, with retries: the archive's one index writer. "
        "Between them it embeds new and changed articles for search by meaning."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Drain what is due now, then exit.")
        parser.add_argument("--interval", type=float, default=0.5, help="Seconds between polls (default 0.5).")

    def handle(self, *args, once=False, interval=0.5, **options):
        while True:
            embedded = 0
            try:
                while applied := drain():
                    log.info("indexed %d queued changes", applied)
                # Then a few articles' vectors for search by meaning: index changes never wait long.
                if embedded := embed_pending():
                    log.info("embedded %d articles", embedded)
            except Exception:
                log.warning("index update failed; will retry", exc_info=True)
            if once:
                return
            if not embedded:
                time.sleep(interval)
