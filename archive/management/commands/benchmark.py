import subprocess
import sys
from pathlib import Path

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Build a throw-away archive of N articles and measure indexing and search against stock haystack-Whoosh "
        "(runs `python -m benchmarks` in its own process, so this project's database and index are never touched)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=10_000, help="How many articles to build the archive from.")
        parser.add_argument("--corpus", help="A ../shared/corpus/ JSONL(.gz) file instead of the generator.")
        parser.add_argument("--words", type=int, help="Mean words per generated article (default 800).")
        parser.add_argument("--stock-limit", type=int, help="Index at most this many articles for stock haystack.")
        parser.add_argument("--no-stock", action="store_true", help="Skip the stock haystack-Whoosh comparison.")
        parser.add_argument("--port", type=int, help="Loopback port for the gunicorn measurement (default 8765).")
        parser.add_argument("--var", help="Working directory (default /tmp/archive-benchmark-<articles>).")
        parser.add_argument("--json", help="Where to write the JSON report (default <var>/benchmark.json).")

    def handle(self, *args, **options):
        command = [sys.executable, "-m", "benchmarks", "--articles", str(options["articles"])]
        for name in ("corpus", "words", "stock_limit", "port", "var", "json"):
            if options[name] is not None:
                command += [f"--{name.replace('_', '-')}", str(options[name])]
        if options["no_stock"]:
            command.append("--no-stock")
        root = Path(__file__).resolve().parents[3]
        raise SystemExit(subprocess.call(command, cwd=root))
