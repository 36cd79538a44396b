import logging
import os

from django.core.management.base import BaseCommand

from archive.background import poll
from archive.search import semantic

log = logging.getLogger(__name__)
# Background work: readers and the index writer take the cores first.
NICENESS = 10


class Command(BaseCommand):
    help = (
        "Embed new and changed articles for search by meaning, in the background, at a low CPU priority. "
        "Its own process, so the index writer (run_indexer) never waits on the model."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Embed what is pending now, then exit.")
        parser.add_argument("--interval", type=float, default=2.0, help="Seconds between looks when idle.")

    def handle(self, *args, once=False, interval=2.0, **options):
        if not semantic.available():
            self.stdout.write(f"Nothing to embed: {semantic.unavailable_reason()}.")
            return
        os.nice(NICENESS)
        poll(embed_all_pending, interval, once, what="embedding")


def embed_all_pending():
    embedded = 0
    while embedded_now := semantic.embed_pending():  # a batch at a time, the index read afresh
        embedded += embedded_now
    if embedded:
        log.info("embedded %d articles", embedded)
