"""Load-and-fault run: the archive under gunicorn, on loopback only, with bounded traffic.

    .venv/bin/python -m loadtest.run --minutes 10            # the full run (SQLite)
    .venv/bin/python -m loadtest.run --minutes 10 --database-url postgres://…@127.0.0.1/empty_db
    .venv/bin/python -m loadtest.run --minutes 0.3 --articles 300 --readers 10   # a smoke run
    .venv/bin/python -m loadtest.run --minutes 10 --articles 50000 --import-records 10000 \
        --corpus ../shared/corpus/*.jsonl.gz                                 # real articles, an import beside

It starts gunicorn and one `manage.py run_indexer` itself, on a free port with a scratch
ARCHIVE_VAR_DIR, seeds generated articles, then runs `--readers` concurrent readers plus
one editor saving an article per second through the admin (every fourth one pasted on "Add
article from text or HTML") and deleting every other one. Each save must be searchable
within 5 s; each delete must be gone within 5 s. With `--corpus FILE…` the articles are
real: a deterministic mix of the files (loadtest/corpus.py), and `--import-records N` more
records of the same mix are imported by `manage.py import_articles` beside the load. Then the
fault cases: SIGKILL of the indexer mid-batch, SIGKILL during a rebuild, a full disk on
the index volume (a tmpfs it mounts; skipped with the reason when mounting is not
permitted), and a transaction rolled back after the save. It prints one JSON report and
exits 1 if any check failed.
"""

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from loadtest.corpus import split_mix
from loadtest.faults import FAULTS
from loadtest.traffic import (
    QUERIES,
    SEARCHABLE_WITHIN,
    Editor,
    Stats,
    hits_for,
    marker_word,
    percentile,
    say,
    wait_until,
)

ROOT = Path(__file__).resolve().parent.parent
SUMMARY = re.compile(r"\d+ imported, .* \((\d+) records, ([\d.]+) records/s")  # import_articles' last line


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Deployment:
    """gunicorn + run_indexer on 127.0.0.1, with their own scratch directory and database."""

    def __init__(self, scratch, database_url, workers, index_home, port=0):
        self.scratch = scratch
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "ARCHIVE_VAR_DIR": str(scratch),
            "SEARCH_URL": f"whoosh://{index_home}",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1",
            "BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(workers),
            "START_INDEXER": "false",  # this script runs the indexer itself, to kill it
            "SEARCH_INDEX_ON_COMMIT": "false",  # as gunicorn sets it when it runs the indexer
            "GUNICORN_ACCESS_LOG": str(scratch / "access.log"),
            "LOG_LEVEL": "WARNING",
            # Every simulated reader comes from 127.0.0.1; per-client budgets would treat
            # the fifty of them as one client.
            "RATE_LIMIT_SEARCH": "0/60",
            "CACHE_URL": "locmem://",
            "PYTHONUNBUFFERED": "1",
        }
        self.env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        if database_url:
            self.env["DATABASE_URL"] = database_url
        else:
            self.env.pop("DATABASE_URL", None)
        self.web = self.indexer = self.embedder = self.importer = None
        self.indexer_interval = 0.25
        self.logs = []

    def manage(self, *args):
        command = [sys.executable, "manage.py", *args]
        result = subprocess.run(command, cwd=ROOT, env=self.env, capture_output=True, text=True)
        if result.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result

    def task(self, *args):
        result = subprocess.run(
            [sys.executable, "-m", "loadtest.tasks", *map(str, args)],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        )
        return json.loads(result.stdout.strip().splitlines()[-1])

    def spawn(self, name, command, **env):
        log = open(self.scratch / f"{name}.log", "ab")  # noqa: SIM115  (closed in stop())
        self.logs.append(log)
        return subprocess.Popen(command, cwd=ROOT, env={**self.env, **env}, stdout=log, stderr=subprocess.STDOUT)

    def prepare(self, admin_password):
        self.manage("migrate", "--noinput")
        self.manage("collectstatic", "--noinput", "-v0")
        self.manage("shell", "-c", create_admin_code(admin_password))

    def start_web(self):
        command = [sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.conf.py", "config.wsgi"]
        self.web = self.spawn("gunicorn", command)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not become healthy; see {self.scratch / 'gunicorn.log'}")

    def start_indexer(self):
        command = [sys.executable, "manage.py", "run_indexer", "--interval", str(self.indexer_interval)]
        self.indexer = self.spawn("indexer", command, LOG_LEVEL="INFO")  # each batch's size and time

    def start_embedder(self):
        """As gunicorn runs it beside the indexer: embedding for search by meaning, at a low priority."""
        self.embedder = self.spawn("embedder", [sys.executable, "manage.py", "run_embedder"], LOG_LEVEL="INFO")

    def start_import(self, path):
        command = [sys.executable, "manage.py", "import_articles", str(path), "--quiet-progress"]
        self.importer = self.spawn("import", command)

    def import_report(self, timeout):
        """The import's exit code, summary line and duration, once it ends; after `timeout` seconds it is
        interrupted (Ctrl+C), and must still print its summary of the records it got through."""
        finished = True
        try:
            code = self.importer.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            finished = False
            self.importer.send_signal(signal.SIGINT)
            code = self.importer.wait(timeout=300)
        lines = (self.scratch / "import.log").read_text(errors="replace").strip().splitlines()
        summary = next((line for line in reversed(lines) if SUMMARY.search(line)), None)
        # The import's own rate: it may have ended long before this is asked (the load phase's end).
        processed, rate = (
            (int(found.group(1)), float(found.group(2))) if (found := SUMMARY.search(summary or "")) else (0, 0.0)
        )
        return {"finished": finished, "exit_code": code, "summary": summary,
                "seconds": round(processed / rate, 1) if rate else None,
                "records_processed": processed, "records_per_second": rate,
                "ok": summary is not None and code == (0 if finished else 130)}  # fmt: skip

    def kill_indexer(self):
        self.indexer.send_signal(signal.SIGKILL)
        self.indexer.wait()

    def wait_converged(self, timeout):
        """Seconds until the outbox is empty and the index matches the database, or None."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            status = self.task("status")
            if status["queued"] == 0 and status["missing"] + status["stale"] + status["orphans"] == 0:
                return round(time.monotonic() - started, 1)
            time.sleep(1)
        return None

    def stop(self):
        for process in (self.importer, self.embedder, self.indexer, self.web):
            if process is not None and process.poll() is None:
                process.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=20)
        for log in self.logs:
            log.close()


def create_admin_code(password):
    return (
        "from django.contrib.auth.models import User\n"
        f"User.objects.filter(username='loadeditor').exists() or "
        f"User.objects.create_superuser('loadeditor', 'load@example.org', {password!r})\n"
    )


async def reader(client, stats, stop_at, seeded_pks, think):
    while time.monotonic() < stop_at:
        roll = random.random()
        if roll < 0.75:
            params = random.choice(QUERIES)
            path = "/search/"
        elif roll < 0.9:
            params, path = {}, f"/articles/{random.choice(seeded_pks)}/"
        else:
            params, path = {}, "/"
        started = time.perf_counter()
        try:
            response = await client.get(path, params=params, follow_redirects=True)
        except httpx.HTTPError as error:
            stats.transport_errors.append(f"{error!r} on {path}")
            continue
        stats.record(response, time.perf_counter() - started, stats.reads)
        await asyncio.sleep(random.uniform(0, 2 * think))


async def check_save(client, editor, word, stats, source_id, saved, pasted=False):
    pk = await (editor.save_from_text if pasted else editor.save)(word, source_id)
    if pk is None:
        stats.not_searchable.append(f"{word}: the save was refused")
        return
    delay = await wait_until(client, word, stats, present=True, timeout=SEARCHABLE_WITHIN)
    if delay is None:
        stats.not_searchable.append(word)
    else:
        stats.save_delays.append(delay)
        saved.append((pk, word))


async def check_delete(client, editor, pk, word, stats):
    if not await editor.delete(pk):
        stats.undead.append(f"{word}: the delete was refused")
        return
    stats.deleted.append(word)
    if await wait_until(client, word, stats, present=False, timeout=SEARCHABLE_WITHIN) is None:
        stats.undead.append(word)


async def editor_loop(client, editor, stats, stop_at, source_id):
    saved, checks, second = [], [], 0
    while time.monotonic() < stop_at:
        tick = time.monotonic()
        save = check_save(client, editor, marker_word(), stats, source_id, saved, pasted=second % 4 == 3)
        checks.append(asyncio.create_task(save))
        if second % 2 == 1 and saved:
            pk, word = saved.pop(0)
            checks.append(asyncio.create_task(check_delete(client, editor, pk, word, stats)))
        second += 1
        await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))
    await asyncio.gather(*checks)


async def load_phase(deployment, args, seeded_pks):
    password, source_id = deployment.password, deployment.source_id
    stats = Stats()
    limits = httpx.Limits(max_connections=args.readers + 20)
    async with (
        httpx.AsyncClient(base_url=deployment.base, timeout=30, limits=limits) as client,
        httpx.AsyncClient(base_url=deployment.base, timeout=30) as admin_client,
    ):
        editor = Editor(admin_client, password, stats)
        await editor.sign_in()
        stop_at = time.monotonic() + args.minutes * 60
        started = time.monotonic()
        if deployment.import_path:
            deployment.start_import(deployment.import_path)
        await asyncio.gather(
            editor_loop(client, editor, stats, stop_at, source_id),
            *(reader(client, stats, stop_at, seeded_pks, args.think) for _ in range(args.readers)),
        )
        # Deleted articles must stay gone, not come back from a late or retried write.
        still_there = [word for word in stats.deleted if await hits_for(client, word, stats)]
        elapsed = time.monotonic() - started
    return {
        "minutes": round(elapsed / 60, 2),
        "readers": args.readers,
        "requests": stats.requests,
        "requests_per_second": round(stats.requests / elapsed, 1),
        "5xx": len(stats.status_5xx),
        "5xx_examples": stats.status_5xx[:5],
        "timeouts_or_connection_errors": len(stats.transport_errors),
        "timeout_examples": stats.transport_errors[:3],
        "read_p50_ms": percentile(stats.reads, 0.50),
        "read_p95_ms": percentile(stats.reads, 0.95),
        "read_p99_ms": percentile(stats.reads, 0.99),
        "admin_write_p50_ms": percentile(stats.saves, 0.50),
        "admin_write_p95_ms": percentile(stats.saves, 0.95),
        "saves": len(stats.save_delays) + len(stats.not_searchable),
        "saves_not_searchable_within_5s": len(stats.not_searchable),
        "not_searchable_examples": stats.not_searchable[:5],
        "drafts_lost": len(stats.drafts_lost),
        "drafts_lost_examples": stats.drafts_lost[:5],
        "save_to_searchable_p50_ms": percentile(stats.save_delays, 0.50),
        "save_to_searchable_p95_ms": percentile(stats.save_delays, 0.95),
        "deletes": len(stats.deleted),
        "deletes_still_searchable_after_5s": len(stats.undead),
        "deletes_back_at_the_end": len(still_there),
    }


def mount_tmpfs(directory, size_mb):
    directory.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(directory)], capture_output=True, text=True
    )
    if result.returncode:
        return f"mounting a tmpfs for the index was not permitted ({result.stderr.strip() or result.returncode})"
    return None


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10, help="How long the readers and the editor run.")
    parser.add_argument("--readers", type=int, default=50, help="Concurrent readers.")
    parser.add_argument("--think", type=float, default=5.0, help="A reader's mean time on a page, in seconds.")
    parser.add_argument("--articles", type=int, default=3000, help="Articles seeded before the run.")
    parser.add_argument(
        "--corpus",
        nargs="+",
        metavar="FILE",
        default=[],
        help="Seed real articles: a deterministic mix of these JSONL(.gz) corpus files.",
    )
    parser.add_argument(
        "--import-records",
        type=int,
        default=0,
        help="With --corpus: records of the mix after the seeded ones, imported during the load.",
    )
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers.")
    parser.add_argument("--indexer-interval", type=float, default=0.25, help="run_indexer's pause between batches.")
    parser.add_argument("--database-url", default="", help="An EMPTY database on loopback (default: a scratch SQLite).")
    parser.add_argument("--tmpfs-mb", type=int, default=192, help="Size of the index volume for the full-disk case.")
    parser.add_argument("--no-faults", action="store_true", help="Only the load phase.")
    parser.add_argument(
        "--import-grace",
        type=float,
        default=5,
        help="Minutes the import may run on after the load before it is interrupted (Ctrl+C).",
    )
    parser.add_argument("--port", type=int, default=0, help="Loopback port for gunicorn (default: a free one).")
    parser.add_argument("--keep", action="store_true", help="Keep the scratch directory (logs, database).")
    args = parser.parse_args(argv)
    if args.minutes <= 0 or args.minutes > 60 or not 1 <= args.readers <= 200 or args.articles > 200_000:
        parser.error("keep it bounded: 0 < --minutes ≤ 60, 1 ≤ --readers ≤ 200, --articles ≤ 200000")
    if args.import_records and not args.corpus:
        parser.error("--import-records imports records of the --corpus mix: give --corpus")
    if args.database_url and not re.search(r"@(127\.0\.0\.1|localhost|\[::1\])[:/]", args.database_url):
        parser.error("--database-url must point at a server on loopback")
    return args


def main(argv=None):
    args = parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="archive-load-"))
    volume = scratch / "index-volume"
    tmpfs_error = mount_tmpfs(volume, args.tmpfs_mb)
    deployment = Deployment(scratch, args.database_url, args.workers, volume / "index", args.port)
    deployment.index_home, deployment.tmpfs_error = volume / "index", tmpfs_error
    deployment.indexer_interval = args.indexer_interval
    deployment.password = secrets.token_urlsafe(16)
    report = {"scratch": str(scratch), "index_volume": "tmpfs" if tmpfs_error is None else "disk"}
    try:
        deployment.prepare(deployment.password)
        report["seed"] = seed(deployment, args)
        started = time.monotonic()
        deployment.manage("rebuild_search_index", "--no-progress")
        report["seed_indexed_s"] = round(time.monotonic() - started, 1)
        deployment.start_indexer()
        deployment.start_embedder()
        deployment.start_web()
        deployment.source_id, seeded_pks = seeded_ids(deployment)
        say(f"seeded and indexed {report['seed']}; load for {args.minutes} min on {deployment.base}")
        report["load"] = asyncio.run(load_phase(deployment, args, seeded_pks))
        report["load"]["load_average"] = load_average()
        say(json.dumps(report["load"]))
        if deployment.import_path:
            report["import"] = deployment.import_report(timeout=args.import_grace * 60)
            report["import"]["records"] = args.import_records
            say(json.dumps(report["import"]))
        if not args.no_faults:
            deployment.kill_indexer()
            for name, fault in FAULTS.items():
                say(f"fault case: {name}")
                report[name] = fault(deployment)
                say(json.dumps(report[name], ensure_ascii=False))
    finally:
        deployment.stop()
        if tmpfs_error is None:
            subprocess.run(["umount", str(volume)], check=False)
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    report["passed"] = passed(report)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0 if report["passed"] else 1


def seed(deployment, args):
    """Generated articles, or the first --articles records of the --corpus mix (the next --import-records
    written to a file for the import). Returns what was seeded."""
    deployment.import_path = None
    if not args.corpus:
        deployment.task("seed", args.articles)
        return f"{args.articles} generated articles"
    started = time.monotonic()
    seeded, imported = split_mix(args.corpus, args.articles, args.import_records)
    seed_path = deployment.scratch / "seed.jsonl"
    seed_path.write_text("".join(seeded), encoding="utf-8")
    if imported:
        deployment.import_path = deployment.scratch / "import.jsonl"
        deployment.import_path.write_text("".join(imported), encoding="utf-8")
    created = deployment.task("seed-corpus", seed_path)["created"]
    files = ", ".join(Path(path).name for path in args.corpus)
    return f"{created} real articles from {files} in {time.monotonic() - started:.0f} s"


def load_average():
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def seeded_ids(deployment):
    code = (
        "from archive.models import Article, Source; import json; "
        "print(json.dumps([Source.objects.get_or_create(name='Load News')[0].pk, "
        "list(Article.objects.values_list('pk', flat=True)[:500])]))"
    )
    source_id, pks = json.loads(deployment.manage("shell", "-c", code).stdout.strip().splitlines()[-1])
    return source_id, pks


def passed(report):
    load = report.get("load", {})
    faults = [value for key, value in report.items() if key.startswith("fault_")]
    return (
        bool(load)
        and load["5xx"] == 0
        and load["timeouts_or_connection_errors"] == 0
        and load["saves_not_searchable_within_5s"] == 0
        and load["deletes_still_searchable_after_5s"] == 0
        and load["deletes_back_at_the_end"] == 0
        and load.get("drafts_lost", 0) == 0
        and (load.get("save_to_searchable_p95_ms") or 0) <= 2000
        and (load["read_p95_ms"] or 0) < 1000
        and report.get("import", {"ok": True})["ok"]
        and all(fault["ok"] for fault in faults)
    )


if __name__ == "__main__":
    sys.exit(main())
