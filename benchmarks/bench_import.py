"""Imports while the site serves (issue 17), and what extraction makes of real records.

    .venv/bin/python -m benchmarks.bench_import serve --var /tmp/bench-import --port 8320 --records 1000 \\
        --corpus ../shared/corpus/se_regeringen.jsonl.gz ../shared/corpus/whitehouse_briefing_room.jsonl.gz
    .venv/bin/python -m benchmarks.bench_import digest --var /tmp/bench-digest --out before.json --corpus FILE…
    .venv/bin/python -m benchmarks.bench_import compare before.json after.json

`serve`: for each file, a fresh archive with the actor registry (fixtures/actors.json),
gunicorn (2 workers) with its indexer running, and `manage.py import_articles` of the file's
first --records records, as a user runs it: the whole command's wall time and CPU (user +
sys, from the kernel), records/s and records per CPU-second, the start-up's CPU (a 1-record
import of the next record after it) and the load average. The import only enqueues its index
changes; the table also says how long after it the indexer had applied them.

`digest`: each record's extraction (language, title, body, lede, captions, contact, author)
and actor mentions, fingerprinted, with the seconds each step took; `compare` counts the
records whose fingerprints differ between two digests, per set and field, so a change made for
speed can show that it changed nothing else.
"""

import argparse
import contextlib
import gzip
import hashlib
import itertools
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUMMARY_FIELDS = ("language", "title", "body", "lede", "captions", "contact", "author", "mentions")


def arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="time imports beside gunicorn and its indexer")
    digest = commands.add_parser("digest", help="fingerprint each record's extraction and actor mentions")
    for command in (serve, digest):
        command.add_argument("--var", required=True, help="working directory (emptied first)")
        command.add_argument("--corpus", nargs="+", required=True, metavar="FILE", help="JSONL(.gz) record files")
        command.add_argument("--records", type=int, default=1000, help="the first N records of each file")
    serve.add_argument("--port", type=int, default=8320, help="gunicorn's loopback port")
    serve.add_argument("--profile", metavar="DIR", help="also sample the import with py-spy, a collapsed-stack file "
                       "per set in DIR (the timed figures are then the sampled run's)")  # fmt: skip
    digest.add_argument("--out", required=True, help="where to write the digest (JSON)")
    compare = commands.add_parser("compare", help="count the records whose extraction differs")
    compare.add_argument("before")
    compare.add_argument("after")
    compare.add_argument("--examples", type=int, default=5, help="differing records to name per set and field")
    return parser.parse_args(argv)


def first_records(path, count, offset=0):
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as lines:
        return list(itertools.islice((line for line in lines if line.strip()), offset, offset + count))


def set_name(path):
    return Path(path).name.split(".")[0]


# --- serve -------------------------------------------------------------------------------------------


class Archive:
    """A fresh archive under `var`, its gunicorn (which starts run_indexer) on `port`."""

    def __init__(self, var, port):
        self.var, self.port, self.web = Path(var), port, None
        shutil.rmtree(self.var, ignore_errors=True)
        self.var.mkdir(parents=True)
        self.env = {**os.environ, "ARCHIVE_VAR_DIR": str(self.var), "SEARCH_URL": f"whoosh://{self.var}/index",
                    "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2", "GUNICORN_ACCESS_LOG": "/dev/null",
                    "DJANGO_SETTINGS_MODULE": "config.settings"}  # fmt: skip
        self.env.pop("DATABASE_URL", None)

    def manage(self, *args, **options):
        return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, check=True,
                              capture_output=True, text=True, **options)  # fmt: skip

    def start(self):
        self.manage("migrate", "--noinput")
        self.manage("loaddata", "fixtures/actors.json")
        log = open(self.var / "gunicorn.log", "wb")  # noqa: SIM115  (the server's log while it runs)
        command = [sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.conf.py", "config.wsgi"]
        self.web = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and self.web.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=5) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"gunicorn did not answer; see {self.var / 'gunicorn.log'}")

    def timed_import(self, path, profile=None):
        """(wall seconds, CPU seconds, the summary line) of `manage.py import_articles PATH`; with `profile`
        (a file), py-spy samples it into that file as collapsed stacks (py-spy's CPU is not counted)."""
        started = time.monotonic()
        command = [sys.executable, "manage.py", "import_articles", str(path), "--quiet-progress"]
        process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        sampler = None
        if profile:
            spy = Path(sys.executable).with_name("py-spy")
            record = [spy, "record", "--pid", str(process.pid), "--rate", "250", "--format", "raw", "-o", str(profile)]
            sampler = subprocess.Popen(record, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - started
        output = process.stdout.read().decode()
        if sampler is not None:
            sampler.wait(timeout=60)
        if os.waitstatus_to_exitcode(status):
            raise RuntimeError(f"import_articles failed: {process.stderr.read().decode()[-2000:]}")
        return wall, usage.ru_utime + usage.ru_stime, output.strip().splitlines()[-1]

    def background_cpu(self):
        """CPU seconds so far of the server's processes, by what they are: the indexer (with its merger
        children), the embedder and the web workers (reaped children's time included)."""
        stats = {}
        for entry in Path("/proc").iterdir():
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                stats[int(entry.name)] = (int(fields[1]), sum(map(int, fields[11:15])), command)
        found, tick = Counter(), os.sysconf("SC_CLK_TCK")

        def descends(pid):
            while pid > 1:
                if pid == self.web.pid:
                    return True
                pid = stats.get(pid, (0,))[0]
            return False

        for pid, (parent, ticks, command) in stats.items():
            if pid != self.web.pid and descends(pid):
                command = command or stats.get(parent, (0, 0, ""))[2]  # a zombie (a merger not yet joined) has none
                kind = next((name for name in ("run_indexer", "run_embedder") if name in command), "web workers")
                found[kind] += ticks / tick
        return found

    def queued(self):
        with contextlib.closing(sqlite3.connect(self.var / "db.sqlite3", timeout=30)) as database:
            return database.execute("SELECT COUNT(*) FROM archive_indextask").fetchone()[0]

    def seconds_until_indexed(self, timeout=600):
        started = time.monotonic()
        while self.queued() and time.monotonic() - started < timeout:
            time.sleep(1)
        return time.monotonic() - started

    def stop(self):
        if self.web is not None and self.web.poll() is None:
            self.web.send_signal(signal.SIGTERM)
            self.web.wait(timeout=60)


def serve(options):
    rows, neighbours = [], []
    if options.profile:
        Path(options.profile).mkdir(parents=True, exist_ok=True)
    for path in options.corpus:
        name = set_name(path)
        sample = Path(options.var) / f"{name}_{options.records}.jsonl"
        archive = Archive(Path(options.var) / name, options.port)
        sample.write_text("".join(first_records(path, options.records)), encoding="utf-8")
        one = Path(options.var) / f"{name}_next.jsonl"
        one.write_text("".join(first_records(path, 1, offset=options.records)), encoding="utf-8")
        try:
            archive.start()
            load_before, background = os.getloadavg()[0], archive.background_cpu()
            profile = Path(options.profile) / f"{name}.txt" if options.profile else None
            wall, cpu, summary = archive.timed_import(sample, profile)
            load_after, during = os.getloadavg()[0], archive.background_cpu() - background
            indexed_after = archive.seconds_until_indexed()
            until_indexed = archive.background_cpu() - background
            _, startup_cpu, _ = archive.timed_import(one)
        finally:
            archive.stop()
        rows.append((name, options.records, wall, cpu, startup_cpu, indexed_after, (load_before, load_after), summary))
        neighbours.append((name, wall, cpu, during, until_indexed))
    print(table(rows))
    print(neighbours_table(neighbours))


def table(rows):
    lines = ["| first N records of | wall rate | CPU (user + sys) | records per CPU-second | without start-up "
             "| start-up CPU | indexed after | load average |", "|---" * 8 + "|"]  # fmt: skip
    for name, records, wall, cpu, startup, indexed, load, _ in rows:
        steady = records / max(cpu - startup, 1e-9)
        lines.append(f"| {name} ({records:,}) | {records / wall:.1f} records/s ({wall:.1f} s) | {cpu:.1f} s "
                     f"| {records / cpu:.0f} | {steady:.0f} | {startup:.1f} s | {indexed:.0f} s "
                     f"| {load[0]:.1f} → {load[1]:.1f} |")  # fmt: skip
    lines += [f"\n{name}: {summary}" for name, *_, summary in rows]
    return "\n".join(lines)


def neighbours_table(rows):
    """The CPU the server's processes took beside the import, on a machine of os.cpu_count() cores."""
    kinds = ("run_indexer", "run_embedder", "web workers")
    lines = [f"\nCPU seconds while the import ran (and until its changes were indexed), {os.cpu_count()} cores:",
             "| set | import | " + " | ".join(kinds) + " | import's share of a core |", "|---" * 6 + "|"]  # fmt: skip
    for name, wall, cpu, during, until_indexed in rows:
        cells = " | ".join(f"{during[kind]:.1f} ({until_indexed[kind]:.1f})" for kind in kinds)
        lines.append(f"| {name} | {cpu:.1f} | {cells} | {cpu / wall:.0%} |")
    return "\n".join(lines)


# --- digest and compare -------------------------------------------------------------------------------


def fingerprint(value):
    return hashlib.sha1(str(value).encode()).hexdigest()[:16]


def digest(options):
    os.environ.update(ARCHIVE_VAR_DIR=options.var, DJANGO_SETTINGS_MODULE="config.settings")
    Path(options.var).mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from archive.ingest.actors import ActorTagger, article_text
    from archive.ingest.extract import draft_from
    from archive.ingest.readers import UnreadableInput, read_path
    from archive.models import Source

    tagger = registry_tagger(ActorTagger)
    found, seconds = {}, Counter()
    for path in options.corpus:
        name = set_name(path)
        sample = Path(options.var) / f"{name}_{options.records}.jsonl"
        sample.write_text("".join(first_records(path, options.records)), encoding="utf-8")
        for raw in read_path(sample):
            key = f"{name}/{raw.origin.rsplit(' ', 2)[-1]}"  # the set and the record's line
            started = time.process_time()
            try:
                fields = draft_from(raw).fields
            except UnreadableInput as error:
                found[key] = {"failed": str(error)}
                continue
            seconds[f"{name} extraction"] += time.process_time() - started
            started = time.process_time()
            mentions = tagger.mentions(article_text(fields), fields["language"], Source(name="Unknown"))
            seconds[f"{name} tagging"] += time.process_time() - started
            record = {key: fingerprint(fields.get(key, "")) for key in SUMMARY_FIELDS[1:-1]}
            record.update(language=fields["language"], mentions=sorted(mentions.items()))
            found[key] = record
    Path(options.out).write_text(json.dumps(found, indent=0), encoding="utf-8")
    for step, value in seconds.items():
        print(f"{step}: {value:.1f} s of CPU")


def registry_tagger(tagger_class):
    """The tagger of fixtures/actors.json, built without a database."""
    rows = json.loads((ROOT / "fixtures" / "actors.json").read_text(encoding="utf-8"))
    actors = [(row["pk"], row["fields"]["name"], row["fields"]["kind"], row["fields"]["country"])
              for row in rows if row["model"] == "archive.actor"]  # fmt: skip
    aliases = [(row["fields"]["actor"], row["fields"]["name"], row["fields"]["language"])
               for row in rows if row["model"] == "archive.actoralias"]  # fmt: skip
    return tagger_class.from_rows(actors, aliases)


def compare(options):
    before = json.loads(Path(options.before).read_text(encoding="utf-8"))
    after = json.loads(Path(options.after).read_text(encoding="utf-8"))
    differing, examples, totals = Counter(), {}, Counter()
    for key in before.keys() | after.keys():
        name = key.split("/", 1)[0]
        totals[name] += 1
        old, new = before.get(key, {}), after.get(key, {})
        for field in sorted({*old, *new}):
            if old.get(field) != new.get(field):
                differing[name, field] += 1
                examples.setdefault((name, field), []).append(key)
    for name in sorted(totals):
        changes = {field: count for (set_, field), count in differing.items() if set_ == name}
        print(f"{name}: {totals[name]} records; differing: {changes or 'none'}")
        for field in changes:
            print(f"  {field}: {', '.join(sorted(examples[name, field])[: options.examples])}")


def main(argv=None):
    options = arguments(argv)
    {"serve": serve, "digest": digest, "compare": compare}[options.command](options)


if __name__ == "__main__":
    main()
