"""Serving in production: security headers, deploy checks, health, rate limits, sign-in throttling."""

import json
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from archive.clients import client_ip
from archive.models import IndexTask
from archive.ratelimit import RateLimitMiddleware, matching_rule, parse_budget
from archive.search.outbox import drain, drain_all
from archive.search.whoosh.searcher import snapshots
from config.settings import cache_from_url
from tests.factories import make_article, make_source

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


def test_pages_carry_the_security_headers(client):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_https_deployments_send_hsts_and_redirect(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/").status_code == 301
    assert "max-age=31536000" in client.get("/", secure=True)["Strict-Transport-Security"]
    assert client.get("/healthz").status_code == 200  # probes inside the host speak plain HTTP


def test_deploy_check_has_no_warnings_under_production_settings(tmp_path):
    env = {
        **os.environ,
        "HTTPS": "true",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "archive.example.org",
        "ARCHIVE_VAR_DIR": str(tmp_path),
    }
    env.pop("DEBUG", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests in this process
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_templates_hold_no_inline_scripts_styles_or_handlers():
    # The CSP forbids them, so a browser would silently ignore them. (A JSON data block is
    # not script the browser runs, so the CSP leaves it alone.)
    offenders = []
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        if re.search(
            r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>|<style|\sstyle=|\son[a-z]+=",
            text,
            re.IGNORECASE,
        ):
            offenders.append(template.name)
    assert offenders == []


def test_healthz_reports_database_and_index(client):
    make_article("Healthy")
    drain_all()
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200 and body["status"] == "ok"
    assert body["index"] == {"engine": "whoosh", "documents": 1}
    assert body["database"] == {"queued_index_changes": 0}
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_answers_503_when_the_index_is_unreadable(client, search_index):
    make_article("Indexed")
    drain_all()
    for toc in Path(search_index.index_dir).glob("*.toc"):
        toc.write_bytes(b"not an index")
    snapshots.clear()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable" and "error" in response.json()["index"]


@pytest.fixture
def tight_budgets(settings):
    settings.RATE_LIMITS = {"search": "3/60", "export": "1/60", "api": "2/60"}


def test_search_over_budget_gets_a_readable_429(client, tight_budgets):
    for _ in range(3):
        assert client.get("/search/", {"q": "nato"}).status_code == 200
    response = client.get("/search/", {"q": "nato"})
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "Too many requests" in response.content.decode() and "<html" in response.content.decode()
    assert client.get("/").status_code == 200  # browsing is not limited
    other_client = client.get("/search/", {"q": "nato"}, REMOTE_ADDR="192.0.2.7")
    assert other_client.status_code == 200  # budgets are per client


def test_api_over_budget_gets_json(client, tight_budgets):
    for _ in range(2):
        client.get("/api/articles/")
    response = client.get("/api/articles/")
    assert response.status_code == 429
    assert "wait" in json.loads(response.content)["detail"]


@pytest.mark.parametrize(
    ("path", "rule"),
    [
        ("/search/", "search"),
        ("/search/export.csv", "export"),
        ("/export/articles.jsonl", "export"),
        ("/api/v1/search", "api"),
        ("/articles/3/exporting-arms/", None),
        ("/", None),
    ],
)
def test_rules_match_paths(path, rule):
    assert matching_rule(path) == rule


def test_bad_budgets_stop_the_server_at_start(settings):
    assert parse_budget("120/60") == (120, 60) and parse_budget("0/60") == (0, 60)
    settings.RATE_LIMITS = {"search": "lots"}
    with pytest.raises(ImproperlyConfigured, match="RATE_LIMIT_SEARCH"):
        RateLimitMiddleware(lambda request: None)


def test_client_address_trusts_only_our_own_proxies(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.4")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "198.51.100.4"  # the forged left-most hop is ignored


def test_admin_sign_in_is_throttled_after_repeated_failures(client, settings):
    User.objects.create_superuser("chief", password="the-right-password-1")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/admin/login/", {"username": "chief", "password": "wrong"})
        assert response.status_code == 200  # the form again, with its error
    assert client.post("/admin/login/", {"username": "chief", "password": "wrong"}).status_code == 429
    response = client.post("/admin/login/", {"username": "chief", "password": "the-right-password-1"})
    assert response.status_code == 429
    assert "Sign-in paused" in response.content.decode() and "15 minutes" in response.content.decode()


def test_cache_urls():
    assert cache_from_url("redis://cache:6379/0")["BACKEND"].endswith("RedisCache")
    assert cache_from_url("file:///var/cache/archive")["LOCATION"] == "/var/cache/archive"


def test_a_save_returns_at_once_while_another_process_writes(search_index, django_capture_on_commit_callbacks):
    search_index.ensure_current()
    lock = search_index.index.lock("WRITELOCK")
    assert lock.acquire()
    try:
        started = time.perf_counter()
        with django_capture_on_commit_callbacks(execute=True):
            make_article("Saved during a rebuild", source=make_source())
        assert time.perf_counter() - started < 0.5
        assert IndexTask.objects.filter(attempts=0).count() == 1
    finally:
        lock.release()
    assert drain_all() == 1 and not IndexTask.objects.exists()


def test_the_indexer_waits_for_the_lock_and_retries_later(search_index, monkeypatch):
    make_article("Waiting")
    search_index.ensure_current()
    lock = search_index.index.lock("WRITELOCK")
    assert lock.acquire()
    monkeypatch.setattr(type(search_index), "lock_timeout", 0.2)
    try:
        with pytest.raises(Exception, match="another process is writing"):
            drain()
        task = IndexTask.objects.get()
        assert task.attempts == 1 and "busy" in task.last_error
    finally:
        lock.release()


def test_the_container_healthcheck_probes_healthz(live_server, transactional_db):
    port = live_server.url.rpartition(":")[2]
    env = {**os.environ, "BIND": f"0.0.0.0:{port}", "ALLOWED_HOSTS": "localhost,archive.example.org"}
    probe = [sys.executable, str(ROOT / "config" / "healthcheck.py")]
    assert subprocess.run(probe, env=env, capture_output=True, timeout=30).returncode == 0
    env["BIND"] = "0.0.0.0:9"  # nothing listens there
    failed = subprocess.run(probe, env=env, capture_output=True, text=True, timeout=30)
    assert failed.returncode == 1 and "unhealthy" in failed.stderr


def test_with_the_indexer_as_only_writer_saves_wait_for_it(settings, django_capture_on_commit_callbacks):
    settings.SEARCH_INDEX_ON_COMMIT = False  # as under gunicorn, which runs run_indexer
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        make_article("Left to the indexer", source=make_source())
    assert callbacks == [] and IndexTask.objects.count() == 1
    assert drain_all() == 1 and not IndexTask.objects.exists()


def test_the_image_runs_the_same_steps_as_make_start():
    """The Dockerfile cannot be built here (no Docker engine), so what it runs is held to
    what `make start` runs, which the README promises and CI exercises."""

    def steps(text):
        return re.findall(r"manage\.py (\w+)", text)

    makefile = (ROOT / "Makefile").read_text()
    start = makefile.split("\nstart:", 1)[1].split("\n\n", 1)[0]
    dockerfile = (ROOT / "Dockerfile").read_text()
    image_start = dockerfile.split("\nCMD ", 1)[1]
    assert steps(start) == ["migrate", "load_seed_content", "index_doctor", "collectstatic"]
    assert steps(image_start) == ["migrate", "load_seed_content", "index_doctor"]
    assert "manage.py collectstatic" in dockerfile.split("\nFROM python:3.11-slim\n", 1)[0]  # done at build time
    assert "gunicorn --config config/gunicorn.conf.py config.wsgi" in start
    assert "gunicorn --config config/gunicorn.conf.py config.wsgi" in image_start
    assert "-r requirements.txt" in dockerfile and "FROM python:3.11-slim" in dockerfile
