"""A WSGI app for tests/test_gunicorn_preload.py: the archive loaded as gunicorn preloads it,
and one page that says how the answering worker's garbage collector stands."""

import gc
import json

from config.wsgi import application as archive  # noqa: F401  (loaded in the master, as in production)


def application(environ, start_response):
    body = json.dumps({"frozen": gc.get_freeze_count(), "enabled": gc.isenabled()}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
