import time

from django.core.management.base import BaseCommand
from tqdm import tqdm

from archive.models import Article
from archive.search.engine import current_engine
from archive.search.semantic import embed_pending, pending_count


class Command(BaseCommand):
    help = (
        "Rebuild the search index into a new generation (Whoosh) or a new index/collection behind an alias "
        "(a cluster) and swap it in atomically; searches keep working."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="Articles read from the database per query.")
        parser.add_argument("--no-progress", action="store_true", help="Do not show a progress bar.")
        parser.add_argument(
            "--embeddings",
            action="store_true",
            help="Then embed every article that lacks a current vector, for search by meaning (slow: see README).",
        )

    def handle(self, *args, batch_size=500, no_progress=False, embeddings=False, **options):
        total = Article.objects.published().count()
        with tqdm(total=total, unit="doc", disable=no_progress, file=self.stderr) as progress:
            report = current_engine().rebuild(batch_size=batch_size, progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"Indexed {report.documents} articles in {report.seconds:.1f} s "
                f"({report.documents_per_second:.0f} documents/s) into {report.generation}; "
                f"{report.caught_up} changes made meanwhile applied."
            )
        )
        if embeddings:
            self.embed_all(no_progress)

    def embed_all(self, no_progress):
        with tqdm(total=pending_count(), unit="doc", disable=no_progress, file=self.stderr) as progress:
            started = time.perf_counter()
            embedded = embed_pending(limit=None, progress=progress)
        seconds = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"Embedded {embedded} articles in {seconds:.1f} s."))
