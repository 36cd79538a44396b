"""Editors' and importers' speed in a grown archive: add-from-text and a 10-record import at 100,000 articles.

    .venv/bin/python -m benchmarks.bench_ingest --var /tmp/bench-ingest --articles 100000 \\
        --corpus ../shared/corpus/whitehouse_briefing_room.jsonl.gz ../shared/corpus/se_regeringen.jsonl.gz …

Builds (once; a second run reuses --var) an archive of the first --articles records of a
deterministic mix of the corpus files (loadtest/corpus.py: bulk insert plus near-duplicate
keys), then measures, with records of the same mix that are not in it:
- "Add article from text or HTML" through the admin views: the extraction (paste → draft)
  and the save (confirm → redirect), each timed, the first in the process apart (it loads
  lingua's models and compiles the tagger once per process; gunicorn does that before it
  forks, config/gunicorn.conf.py);
- `manage.py import_articles` of 10 new records, as a user runs it: the whole command,
  process start and indexing included.
Prints a Markdown table and the machine's load average (the machine may be shared).
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--var", required=True, help="working directory (database, index); reused when it exists")
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--corpus", nargs="+", required=True, metavar="FILE")
    parser.add_argument("--pastes", type=int, default=5, help="add-from-text saves to time")
    parser.add_argument("--imports", type=int, default=3, help="10-record imports to time")
    parser.add_argument("--offset", type=int, default=0, help="skip this many new records (those a run saved)")
    return parser.parse_args(argv)


def setup(var):
    os.environ.update(ARCHIVE_VAR_DIR=var, SEARCH_URL=f"whoosh://{var}/index", ALLOWED_HOSTS="testserver",
                      DJANGO_SETTINGS_MODULE="config.settings", SEARCH_INDEX_ON_COMMIT="true")  # fmt: skip
    os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_seed_content", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)  # the admin pages name hashed static files


def build(options, extra):
    """The archive, and `extra` records of the mix after it (never in it)."""
    from django.core.management import call_command

    from archive.models import Article
    from archive.search.engine import current_engine
    from loadtest.corpus import bulk_load, split_mix

    seeded, after = split_mix(options.corpus, options.articles, extra)
    if Article.objects.count() < options.articles * 0.9:
        started = time.monotonic()
        added = bulk_load(seeded)
        print(f"built: {added} articles in {time.monotonic() - started:.0f} s", file=sys.stderr)
    # The import writes into an index of the whole archive, as it would in use.
    if current_engine().status()["documents"] < Article.objects.count() * 0.9:
        started = time.monotonic()
        call_command("rebuild_search_index", "--no-progress")
        print(f"indexed in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return [json.loads(line) for line in after if json.loads(line).get("text")]


def time_pastes(records):
    """(extract seconds, save seconds) for each record pasted and confirmed in the admin."""
    from django.contrib.auth.models import User
    from django.test import Client

    from archive.models import Source
    from loadtest.traffic import PASTE_PAGE, draft_form

    user = User.objects.filter(username="bench").first() or User.objects.create_superuser("bench", "b@example.org", "x")
    client = Client()
    client.force_login(user)
    source = Source.objects.get_or_create(name="Bench desk")[0]
    timings = []
    for record in records:
        text = f"{record['title']}\n\n{record['text']}"
        started = time.perf_counter()
        page = client.post(PASTE_PAGE, {"text": text, "url": "", "extract": "1"})
        extracted = time.perf_counter()
        form = draft_form(page.content.decode(), source.pk, "")
        response = client.post(PASTE_PAGE, form) if form else None
        saved = time.perf_counter()
        ok = response is not None and response.status_code == 302
        timings.append((extracted - started, saved - extracted, ok))
    return timings


def time_imports(records, var, runs):
    """(wall seconds, CPU seconds, summary line, exit code) of `manage.py import_articles` for each run of 10
    new records. On a busy machine the CPU time says what the command costs; the wall time what it took."""
    results = []
    for run in range(runs):
        path = Path(var) / f"ten-{run}.jsonl"
        path.write_text("".join(json.dumps(record) + "\n" for record in records[run * 10 : run * 10 + 10]))
        started, cpu = time.perf_counter(), children_cpu()
        done = subprocess.run([sys.executable, "manage.py", "import_articles", str(path), "--quiet-progress"],
                              cwd=ROOT, capture_output=True, text=True, env=os.environ)  # fmt: skip
        results.append((time.perf_counter() - started, children_cpu() - cpu, done.stdout.strip().splitlines()[-1:],
                        done.returncode))  # fmt: skip
    return results


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(argv=None):
    options = arguments(sys.argv[1:] if argv is None else argv)
    Path(options.var).mkdir(parents=True, exist_ok=True)
    setup(options.var)
    from archive.models import Article

    records = build(options, options.offset + options.pastes + 1 + options.imports * 10 + 20)[options.offset :]
    size = Article.objects.count()
    pastes = time_pastes(records[: options.pastes + 1])
    imports = time_imports(records[options.pastes + 1 :], options.var, options.imports)
    warm = pastes[1:]
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"\n### Ingest at {size:,} articles — load average {load}\n")
    print("| step | first in the process | warm median | warm max | target |\n|---|---|---|---|---|")
    first_extract, first_save, _ = pastes[0]
    print(f"| add-from-text: extract | {first_extract:.2f} s | {statistics.median(p[0] for p in warm):.2f} s | "
          f"{max(p[0] for p in warm):.2f} s | |")  # fmt: skip
    print(f"| add-from-text: save | {first_save:.2f} s | {statistics.median(p[1] for p in warm):.2f} s | "
          f"{max(p[1] for p in warm):.2f} s | |")  # fmt: skip
    print(
        f"| add-from-text: extract + save | {first_extract + first_save:.2f} s | "
        f"{statistics.median(p[0] + p[1] for p in warm):.2f} s | {max(p[0] + p[1] for p in warm):.2f} s | ≤ 2 s |"
    )
    for label, column in (("wall", 0), ("CPU", 1)):
        values = [result[column] for result in imports]
        print(f"| import_articles, 10 records, whole command ({label}) | {values[0]:.1f} s | "
              f"{statistics.median(values):.1f} s | {max(values):.1f} s | ≤ 10 s |")  # fmt: skip
    print(
        f"\nsaved {sum(ok for *_, ok in pastes)} of {len(pastes)} pastes; imports: "
        + "; ".join(f"exit {code}: {' '.join(line)}" for *_, line, code in imports)
    )


if __name__ == "__main__":
    main()
