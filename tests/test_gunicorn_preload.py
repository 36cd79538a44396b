"""gunicorn's master freezes what it preloaded before it forks, so the workers' garbage
collections never walk the app (a full one cost ~100 ms of a request at 100,000 articles)."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def ask(socket_path, deadline):
    """The probe page's answer over gunicorn's unix socket, waiting for the server to start."""
    while True:
        try:
            with socket.socket(socket.AF_UNIX) as connection:
                connection.connect(str(socket_path))
                connection.sendall(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
                answer = b"".join(iter(lambda: connection.recv(65536), b""))
            return json.loads(answer.split(b"\r\n\r\n", 1)[1])
        except (FileNotFoundError, ConnectionRefusedError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_a_worker_starts_with_the_preloaded_app_frozen_and_its_collector_on(tmp_path):
    socket_path = tmp_path / "gunicorn.sock"
    env = {
        **os.environ,
        "BIND": f"unix:{socket_path}",
        "WEB_CONCURRENCY": "1",
        "START_INDEXER": "false",
        "GUNICORN_PRELOAD": "true",
        "ARCHIVE_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    command = [sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.conf.py", "tests.gc_probe:application"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        worker = ask(socket_path, deadline=time.monotonic() + 60)
    finally:
        server.terminate()
        server.wait(timeout=30)
    # Django, the archive and the warmed-up ingest tools: hundreds of thousands of objects.
    assert worker["frozen"] > 50_000
    assert worker["enabled"]  # the collector still runs, over what the worker itself makes
