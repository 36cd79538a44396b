"""The fault cases of the load run. Each takes the running Deployment and returns a dict
with "ok" and what it observed."""

import asyncio
import contextlib
import os
import random
import signal
import sys
import threading
import time

import httpx

from loadtest.traffic import QUERIES, Editor, Stats, hits_for, marker_word


async def readers_during(deployment, seconds, readers=5):
    """A few readers while a fault happens: counts of each status they saw."""
    codes = {}
    async with httpx.AsyncClient(base_url=deployment.base, timeout=30) as client:
        stop_at = time.monotonic() + seconds
        while time.monotonic() < stop_at:
            responses = await asyncio.gather(
                *(client.get("/search/", params=random.choice(QUERIES)) for _ in range(readers)),
                return_exceptions=True,
            )
            for response in responses:
                key = type(response).__name__ if isinstance(response, Exception) else str(response.status_code)
                codes[key] = codes.get(key, 0) + 1
            await asyncio.sleep(0.2)
    return codes


def fault_indexer_killed(deployment, batch=1500):
    """Queue a batch only the indexer may apply; SIGKILL it once it has applied part of it."""
    deployment.task("queue", batch)
    queued = deployment.task("queued")["queued"]
    deployment.start_indexer()
    left = queued
    deadline = time.monotonic() + 120
    while left == queued and time.monotonic() < deadline:
        time.sleep(0.2)
        left = deployment.task("queued")["queued"]
    deployment.kill_indexer()
    left = deployment.task("queued")["queued"]
    deployment.start_indexer()
    converged = deployment.wait_converged(timeout=300)
    return {
        "queued": queued,
        "queued_when_killed": left,
        "killed_mid_work": 0 < left < queued,
        "converged_after_restart_s": converged,
        "ok": converged is not None and 0 < left < queued,
    }


def fault_rebuild_killed(deployment):
    pointer = deployment.index_home / "CURRENT"
    before = pointer.read_text()
    documents = httpx.get(f"{deployment.base}/healthz").json()["index"]["documents"]
    rebuild = deployment.spawn("rebuild", [sys.executable, "manage.py", "rebuild_search_index", "--no-progress"])
    generations = set(deployment.index_home.glob("generation-*"))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and set(deployment.index_home.glob("generation-*")) == generations:
        time.sleep(0.05)
    codes = asyncio.run(readers_during(deployment, 1.0))
    while time.monotonic() < deadline and not child_pids(rebuild.pid):  # kill it mid-work, workers and all
        time.sleep(0.05)
    workers = child_pids(rebuild.pid)
    rebuild.send_signal(signal.SIGKILL)
    rebuild.wait()
    unchanged = pointer.read_text() == before
    time.sleep(3)  # a rebuild's workers notice within a second that it is gone
    orphans = [pid for pid in workers if os.path.exists(f"/proc/{pid}")]
    codes_after = asyncio.run(readers_during(deployment, 2.0))
    health = httpx.get(f"{deployment.base}/healthz").json()
    finished = deployment.manage("rebuild_search_index", "--no-progress").stdout.strip()
    return {
        "pointer_unchanged_after_kill": unchanged,
        "documents_before": documents,
        "documents_after_kill": health["index"]["documents"],
        "search_statuses_during_and_after": {"during": codes, "after": codes_after},
        "next_rebuild": finished[-120:],
        "workers_at_kill": len(workers),
        "workers_left_running": len(orphans),
        "ok": unchanged
        and not orphans
        and pointer.read_text() != before  # the next rebuild did swap
        and health["index"]["documents"] == documents
        and set(codes) | set(codes_after) == {"200"},
    }


def child_pids(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as file:
            return [int(child) for child in file.read().split()]
    except OSError:
        return []


def fault_disk_full(deployment):
    if deployment.tmpfs_error:
        return {"skipped": deployment.tmpfs_error, "ok": True}
    volume = deployment.index_home.parent
    words = [marker_word() for _ in range(10)]

    async def save_all():
        stats = Stats()
        async with httpx.AsyncClient(base_url=deployment.base, timeout=30) as admin_client:
            editor = Editor(admin_client, deployment.password, stats)
            await editor.sign_in()
            pks = [await editor.save(word, deployment.source_id) for word in words]
        return pks, stats

    with full_disk(volume / "filler"):
        pks, stats = asyncio.run(save_all())
        codes = asyncio.run(readers_during(deployment, 3.0))
        queued_while_full = deployment.task("status")["queued"]
    recovered = deployment.wait_converged(timeout=300)
    found = asyncio.run(count_searchable(deployment, words))
    return {
        "saves_accepted_while_full": sum(pk is not None for pk in pks),
        "saves_5xx": len(stats.status_5xx),
        "queued_while_full": queued_while_full,
        "search_statuses_while_full": codes,
        "indexed_after_space_returned_s": recovered,
        "searchable_afterwards": found,
        "ok": all(pks)
        and queued_while_full > 0
        and not stats.status_5xx
        and found == len(words)
        and "500" not in codes,
    }


@contextlib.contextmanager
def full_disk(filler):
    """Keep the volume of `filler` full until the block ends. Space keeps coming back (a
    worker closing the files of an index version it retired, a merge deleting segments),
    so it is taken again every few milliseconds, not once."""
    stop = threading.Event()

    def fill():
        with open(filler, "wb", buffering=0) as file:
            while not stop.is_set():
                for chunk in (1 << 20, 1 << 12):  # megabytes, then the last pages
                    with contextlib.suppress(OSError):
                        while True:
                            file.write(b"\0" * chunk)
                stop.wait(0.005)

    filling = threading.Thread(target=fill, daemon=True)
    filling.start()
    time.sleep(0.5)  # the first fill
    try:
        yield
    finally:
        stop.set()
        filling.join()
        filler.unlink()


async def count_searchable(deployment, words):
    stats = Stats()
    async with httpx.AsyncClient(base_url=deployment.base, timeout=30) as client:
        return sum([bool(await hits_for(client, word, stats)) for word in words])


def fault_rollback(deployment):
    word = marker_word()
    result = deployment.task("rollback", word)
    time.sleep(2)
    found = asyncio.run(count_searchable(deployment, [word]))
    return {"rows_after_rollback": result["articles_with_token"], "phantom_hits": found, "ok": found == 0}


FAULTS = {
    "fault_indexer_sigkill": fault_indexer_killed,
    "fault_rebuild_sigkill": fault_rebuild_killed,
    "fault_disk_full": fault_disk_full,
    "fault_rollback": fault_rollback,
}
