import os
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from archive.ingest.pipeline import STATUSES, Importer
from archive.ingest.readers import UnreadableInput
from archive.search.outbox import finish_bulk

# Beside a live site (its indexer is running) a bulk import is background work: it yields the
# cores to readers, editors and the index writer. In the 50,000-article load run an import at
# the same priority left the indexer a third of a core, and editors' changes waited for it.
SERVING_NICENESS = 5


class Command(BaseCommand):
    help = (
        "Import articles from .txt, .html, .json, .jsonl, .csv and .warc files (or .gz of these, or directories). "
        "Running it twice changes nothing; a bad file or record is reported and the batch goes on."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="Files or directories to import (recursively).")
        parser.add_argument("--source", default="", help="Source name for texts that do not say who published them.")
        parser.add_argument("--language", default="", help="ISO 639-1 code for texts that do not declare one.")
        parser.add_argument(
            "--metadata",
            metavar="FILE",
            default="",
            help="An editor's manifest (CSV with a header, JSON list or JSONL) with a row per file: file (its name, "
            "or its path relative to the manifest) and any of source, date, date_precision, date_note, language, "
            "author, url, title. What it gives wins over the file's own metadata and over extraction.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Show what would happen; write nothing.")
        parser.add_argument(
            "--update", action="store_true", help="Update articles already in the archive (same text or URL)."
        )
        parser.add_argument("--quiet-progress", action="store_true", help="No progress bar (for logs and tests).")

    def handle(self, *args, paths, source, language, metadata, dry_run, update, quiet_progress, **options):
        if language and language not in settings.ARCHIVE_LANGUAGES:
            raise CommandError(f"--language {language!r} is not one of {', '.join(settings.ARCHIVE_LANGUAGES)}")
        started = time.monotonic()
        try:
            importer = Importer(default_source=source, default_language=language, update=update, dry_run=dry_run,
                                metadata=metadata)  # fmt: skip
        except UnreadableInput as error:
            raise CommandError(f"--metadata {metadata}: {error}") from None
        if not importer.writes_index and not dry_run:
            os.nice(SERVING_NICENESS)
        progress = tqdm(unit=" records", disable=quiet_progress, file=self.stderr._out, dynamic_ncols=True)
        interrupted = False
        try:
            for outcome in importer.run(paths):
                progress.update(1)
                if outcome.status == "failed" or options["verbosity"] > 1 or dry_run:
                    progress.write(f"{outcome.status:>14}  {outcome.origin}: {outcome.message}", file=self.stdout._out)
        except KeyboardInterrupt:  # Ctrl+C: the chunks written so far stay, and the summary says what they were
            interrupted = True
        progress.close()
        index_note = "" if dry_run else "; " + finish_bulk(importer.writes_index)
        summary = ", ".join(f"{importer.counts[status]} {status}" for status in STATUSES)
        total = sum(importer.counts.values())
        rate = total / max(time.monotonic() - started, 1e-9)
        prefix = "Dry run, nothing written: would be " if dry_run else ""
        indexing = "including indexing" if importer.writes_index else "indexing left to run_indexer"
        self.stdout.write(f"{prefix}{summary} ({total} records, {rate:.1f} records/s {indexing}){index_note}")
        if interrupted:
            raise CommandError("interrupted: the records above were imported, the rest were not", returncode=130)
