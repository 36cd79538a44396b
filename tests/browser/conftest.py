"""Browser tests: Playwright driving Debian's Chromium (/usr/bin/chromium), never a downloaded browser.

Without Chromium the tests skip, unless REQUIRE_BROWSER is set (CI sets it), when they fail.
"""

import os
import shutil
from pathlib import Path

import pytest
from haystack import connections

from archive.search.config import WHOOSH_ENGINE
from archive.search.whoosh.searcher import snapshots

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"))
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# beside it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_index_path(tmp_path_factory):
    return str(tmp_path_factory.mktemp("browser") / "whoosh_index")


@pytest.fixture(autouse=True)
def search_index(browser_index_path, settings):
    """One index for the session: the live server's thread keeps its haystack connection.

    It is emptied before each test, as the database is.
    """
    settings.HAYSTACK_CONNECTIONS = {"default": {"ENGINE": WHOOSH_ENGINE, "PATH": browser_index_path}}
    connections.connections_info = settings.HAYSTACK_CONNECTIONS
    connections.reload("default")
    backend = connections["default"].get_backend()
    backend.clear()
    snapshots.clear()
    return backend


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"REQUIRE_BROWSER is set but there is no Chromium at {CHROMIUM} (apt-get install chromium)")
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server, transactional_db):
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot as a test artefact: screenshot("actor-page")."""

    def save(name):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


@pytest.fixture
def seed_content(transactional_db):
    """The shipped actor registry and seed articles, indexed."""
    from django.core.management import call_command

    call_command("load_seed_content", verbosity=0)
    from archive.search.outbox import drain_all

    drain_all()


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(SCREENSHOTS / "tmp", ignore_errors=True)
