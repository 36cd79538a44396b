import sys

from django.core.management.base import BaseCommand

from archive.exports import article_record, export_queryset, write_csv, write_jsonl
from archive.models import Article


class Command(BaseCommand):
    help = "Write every article, with its metadata and actors, as JSON Lines (a full backup) or CSV."

    def add_arguments(self, parser):
        parser.add_argument(
            "--format", choices=["jsonl", "csv"], default="jsonl", help="Output format (default jsonl)."
        )
        parser.add_argument("--output", help="File to write (default: standard output).")

    def handle(self, *args, format="jsonl", output=None, **options):
        records = (article_record(article) for article in export_queryset(Article.objects.all()).iterator(2000))
        write = write_csv if format == "csv" else write_jsonl
        if output:
            with open(output, "w", encoding="utf-8", newline="") as stream:
                write(records, stream)
            self.stderr.write(f"Wrote {Article.objects.count()} articles to {output}")
        else:
            write(records, sys.stdout)
