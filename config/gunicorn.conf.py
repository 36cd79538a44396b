"""gunicorn settings; every value can be overridden from the environment.

gunicorn also starts the archive's single search-index writer (manage.py run_indexer) and
the embedder for search by meaning (manage.py run_embedder) beside the web workers, and
restarts them if they die, so saves return at once and are indexed in the background.
Set START_INDEXER=false where other processes run them (several app servers share one).
"""

import gc
import os
import subprocess
import sys
import threading

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then, so a slow leak in a long-running worker cannot grow for months.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = 100
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
start_indexer = os.environ.get("START_INDEXER", "true").lower() in {"1", "true", "yes"}
if start_indexer:
    # The indexer is the one writer: workers leave changes to it. Set before the app is preloaded.
    os.environ.setdefault("SEARCH_INDEX_ON_COMMIT", "false")
# The app is loaded once, before the workers fork, and what pasting an article needs is
# warmed up there (config/preload.py): the workers share it instead of each loading it in a request.
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").lower() in {"1", "true", "yes"}
if preload_app:
    # Nothing loaded before the fork is garbage worth collecting; when_ready collects once and
    # freezes it all (config/preload.py), so the workers' collections never walk it.
    gc.disable()

MANAGE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "manage.py")
BACKGROUND_CHECK_SECONDS = 5
_background = {}  # command name → its process
_stopping = threading.Event()


BACKGROUND_COMMANDS = {"run_indexer": ["--interval", os.environ.get("INDEXER_INTERVAL", "0.25")], "run_embedder": []}


def _start(name):
    _background[name] = subprocess.Popen([sys.executable, MANAGE, name, *BACKGROUND_COMMANDS[name]])


def _supervise(log):
    """Restart a background command that exits with an error; queued changes wait in the outbox meanwhile."""
    while not _stopping.wait(BACKGROUND_CHECK_SECONDS):
        for name, process in list(_background.items()):
            if process.poll() not in (None, 0):  # run_embedder ends at once, with 0, when there is no model
                log.warning("%s exited with %s; restarting it", name, process.returncode)
                _start(name)


def on_starting(server):
    if start_indexer:
        for name in BACKGROUND_COMMANDS:
            _start(name)
        threading.Thread(target=_supervise, args=(server.log,), daemon=True).start()


def when_ready(server):
    if preload_app:
        from config.preload import freeze_loaded_objects, warm_ingest

        warm_ingest(server.log)
        freeze_loaded_objects()
    host, _, port = bind.rpartition(":")
    print(
        f"\n  Security Press Archive is running at http://{host or '127.0.0.1'}:{port}/  (Ctrl+C stops it)\n",
        flush=True,
    )


def pre_fork(server, worker):
    # What the master made since when_ready (a worker replaced after max_requests forks later).
    gc.freeze()


def on_exit(server):
    _stopping.set()
    for process in _background.values():
        if process.poll() is None:
            process.terminate()
    for process in _background.values():
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
