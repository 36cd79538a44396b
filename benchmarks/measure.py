"""Each measurement of the benchmark as one function returning plain numbers."""

import contextlib
import datetime
import gc
import os
import subprocess
import sys
import time
import urllib.request
import uuid

import numpy as np
from django.conf import settings
from django.test import Client

from archive.models import Article
from archive.search import outbox
from archive.search.whoosh.rebuild import rebuild
from archive.search.whoosh.searcher import snapshots
from benchmarks.queries import url_of

REPEATS = 5


def percentiles(samples_ms):
    values = np.array(samples_ms)
    return {f"p{p}": round(float(np.percentile(values, p)), 1) for p in (50, 95, 99)} | {"n": len(values)}


def directory_size(path):
    return sum(os.path.getsize(os.path.join(root, name)) for root, _, names in os.walk(path) for name in names)


def cpu_seconds():
    """CPU used by this process and its finished children: unlike wall time, it does not
    depend on what else the machine is running."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def ours_rebuild():
    cpu = cpu_seconds()
    report = rebuild()
    cpu = cpu_seconds() - cpu
    snapshots.clear()
    home = settings.HAYSTACK_CONNECTIONS["default"]["PATH"]
    return {
        "documents": report.documents,
        "seconds": round(report.seconds, 1),
        "docs_per_s": round(report.documents_per_second, 1),
        "cpu_ms_per_doc": round(cpu * 1000 / max(report.documents, 1), 1),
        "index_mb": round(directory_size(os.path.join(home, report.generation)) / 2**20, 1),
    }


def view_latency(mix, peers=(), client=None, repeats=REPEATS, profiler=None):
    """Each query of the mix through the real Django view (form, search, template), in ms;
    each peer engine answers the same query right after ours, so a busy moment of the
    machine falls on all of them alike. Returns (ours, {peer name: its figures})."""
    client = client or Client()
    started = time.perf_counter()
    client.get(url_of({"q": "warm"}))  # snapshot load, not a user's query
    load_ms = (time.perf_counter() - started) * 1000
    ours, theirs, refused = Timings(), {peer.name: Timings() for peer in peers}, []
    for _ in range(repeats):
        for name, params, _, _ in mix:
            with ours.timing(name), profiler or contextlib.nullcontext():
                response = client.get(url_of(params))
            if response.status_code == 400:
                refused.append(name)
            for peer in peers:
                with theirs[peer.name].timing(name):
                    peer.search(params)
    figures = ours.figures() | {"first_request_ms": round(load_ms, 1), "refused": sorted(set(refused))}
    return figures, {name: timings.figures() for name, timings in theirs.items()}


class Timings:
    """Wall and CPU milliseconds of repeated queries, overall and per kind of query."""

    def __init__(self):
        self.wall, self.cpu, self.per_kind, self.per_kind_cpu, self.kinds = [], [], {}, {}, []

    @contextlib.contextmanager
    def timing(self, kind):
        started, cpu = time.perf_counter(), time.process_time()
        yield
        elapsed = (time.perf_counter() - started) * 1000
        self.cpu.append((time.process_time() - cpu) * 1000)
        self.per_kind_cpu.setdefault(kind, []).append(self.cpu[-1])
        self.wall.append(elapsed)
        self.per_kind.setdefault(kind, []).append(elapsed)
        self.kinds.append(kind)

    def figures(self):
        medians = {kind: round(float(np.median(samples)), 1) for kind, samples in self.per_kind.items()}
        return {
            **percentiles(self.wall),
            "cpu": percentiles(self.cpu),
            "per_kind_p50": medians,
            "per_kind_cpu_p50": {
                kind: round(float(np.median(samples)), 1) for kind, samples in self.per_kind_cpu.items()
            },
            "slowest": sorted(((ms, kind) for kind, ms in medians.items()), reverse=True)[:3],
            # The requests that set the p95 and p99: (wall ms, CPU ms, kind, round), slowest first.
            "slowest_requests": sorted(
                (
                    (round(wall, 1), round(cpu, 1), kind, number // len(self.per_kind) + 1)
                    for number, (wall, cpu, kind) in enumerate(zip(self.wall, self.cpu, self.kinds, strict=True))
                ),
                reverse=True,
            )[:8],
        }


class CollectorPauses:
    """The cyclic garbage collector's runs while timing, by generation (gc.callbacks): a full
    collection in the middle of a request is a request's worth of milliseconds."""

    def __init__(self):
        self.runs, self._started = [], None

    def __enter__(self):
        gc.callbacks.append(self._note)
        return self

    def __exit__(self, *exc):
        gc.callbacks.remove(self._note)

    def _note(self, phase, info):
        if phase == "start":
            self._started = time.perf_counter()
        elif self._started is not None:
            self.runs.append((info["generation"], (time.perf_counter() - self._started) * 1000))

    def summary(self):
        """{generation: (runs, longest ms)}."""
        found = {}
        for generation, ms in self.runs:
            count, longest = found.get(generation, (0, 0.0))
            found[generation] = (count + 1, round(max(longest, ms), 1))
        return dict(sorted(found.items()))


class Gunicorn:
    """gunicorn serving the benchmark archive on a port of its own, two workers, no indexer."""

    def __init__(self, port, workers=2):
        self.port, self.workers = port, workers

    def __enter__(self):
        env = os.environ | {
            "BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(self.workers),
            "START_INDEXER": "false",
            "GUNICORN_MAX_REQUESTS": "0",
            "RATE_LIMIT_SEARCH": "0/60",  # one client asking as fast as it can, on purpose
        }
        self.log = open(os.path.join(settings.VAR_DIR, "gunicorn.log"), "w")
        command = [sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.conf.py", "config.wsgi"]
        self.process = subprocess.Popen(command, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                self.get("/")
                return self
            except OSError:
                time.sleep(0.3)
        self.__exit__()  # not left running on the port
        raise RuntimeError("gunicorn did not start; see gunicorn.log")

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()

    def get(self, path):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=60) as response:
            return response.read().decode("utf-8")

    def worker_peak_rss_mb(self):
        children = open(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read().split()  # noqa: SIM115
        peaks = []
        for pid in children:
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        peaks.append(int(line.split()[1]) / 1024)
        return round(max(peaks), 1) if peaks else None


def http_latency(server, mix):
    for _ in range(server.workers * 2):
        server.get(url_of({"q": "warm"}))
    samples = []
    for _ in range(REPEATS):
        for _, params, _, _ in mix:
            started = time.perf_counter()
            with contextlib.suppress(urllib.error.HTTPError):  # a refused query is an answer too
                server.get(url_of(params))
            samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


def save_to_searchable(server, rounds=10):
    """Edit an article here, then ask gunicorn until the edit is found: seconds from save to search."""
    samples = []
    articles = list(Article.objects.order_by("?")[:rounds])
    for article in articles:
        token = "zq" + uuid.uuid4().hex[:10]
        started = time.perf_counter()
        article.title = f"{article.title[:400]} {token}"
        article.save()  # the outbox applies it to the index after commit
        outbox.drain_all()
        while f"/articles/{article.pk}/" not in server.get(url_of({"q": token})):
            if time.perf_counter() - started > 30:
                break
            time.sleep(0.02)
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


def today():
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
