"""A threaded HTTP server in this process that dispatches to a stand-in's routes."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Reply(Exception):
    """Answer with this status and JSON body (an engine's error shape)."""

    def __init__(self, status, body):
        super().__init__(status)
        self.status, self.body = status, body


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # one round trip per request, not a delayed ACK each

    def _serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        parts = urlsplit(self.path)
        params = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
        standin = self.server.standin
        standin.requests.append((self.command, parts.path, params, raw))
        try:
            status, body = standin.route(self.command, parts.path, params, raw, self.headers)
        except Reply as reply:
            status, body = reply.status, reply.body
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for name, value in standin.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve

    def log_message(self, *args):
        pass


def serve(standin, port=0):
    """Start `standin` on 127.0.0.1 (any free port by default); returns the server (stop with .shutdown())."""
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.standin = standin
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def body_json(raw):
    return json.loads(raw) if raw.strip() else {}
