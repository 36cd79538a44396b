import logging
import time

from django.core.management.base import BaseCommand

from archive.search.outbox import drain

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Apply queued search-index changes, with retries: the archive's one index writer."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Drain what is due now, then exit.")
        parser.add_argument("--interval", type=float, default=0.5, help="Seconds between polls (default 0.5).")

    def handle(self, *args, once=False, interval=0.5, **options):
        while True:
            try:
                while applied := drain():
                    log.info("indexed %d queued changes", applied)
            except Exception:
                log.warning("index update failed; will retry", exc_info=True)
            if once:
                return
            time.sleep(interval)
