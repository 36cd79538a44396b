"""gunicorn settings; every value can be overridden from the environment.

gunicorn also starts the archive's single search-index writer (manage.py run_indexer)
beside the web workers, so saves return at once and are indexed in the background.
"""

import os
import subprocess
import sys

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = 100
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
start_indexer = os.environ.get("START_INDEXER", "true").lower() in {"1", "true", "yes"}

_indexer = None


def on_starting(server):
    global _indexer
    if start_indexer:
        manage = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "manage.py")
        _indexer = subprocess.Popen([sys.executable, manage, "run_indexer"])


def when_ready(server):
    host, _, port = bind.rpartition(":")
    print(
        f"\n  Security Press Archive is running at http://{host or '127.0.0.1'}:{port}/  (Ctrl+C stops it)\n",
        flush=True,
    )


def on_exit(server):
    if _indexer is not None:
        _indexer.terminate()
        _indexer.wait(timeout=10)
