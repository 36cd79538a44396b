"""Shared test set-up: every test gets its own empty Whoosh index in a temporary directory."""

import os

import pytest
from haystack import connections
from hypothesis import settings as hypothesis_settings

from archive.search.config import WHOOSH_ENGINE
from archive.search.whoosh.searcher import snapshots
from tests.engines import ENGINES, start_standin, use_search_url

# Property tests: no deadline (the machine is shared, timing is not what they test); in CI
# (CI=true) the same examples every run, so a red build can be reproduced.
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """Tests render templates without running collectstatic first."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def private_cache(settings):
    """Rate-limit counters (and anything else cached) start empty in each test, in memory."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def search_index(tmp_path, settings):
    """A real Whoosh index of our own schema, in a directory only this test uses."""
    original = connections.connections_info
    # haystack reads both: the handler its own copy, each engine the settings.
    settings.HAYSTACK_CONNECTIONS = {"default": {"ENGINE": WHOOSH_ENGINE, "PATH": str(tmp_path / "whoosh_index")}}
    connections.connections_info = settings.HAYSTACK_CONNECTIONS
    connections.reload("default")
    assert connections["default"].get_backend().path.startswith(str(tmp_path))
    snapshots.clear()
    yield connections["default"].get_backend()
    connections.connections_info = original
    connections.reload("default")
    snapshots.clear()


@pytest.fixture(params=ENGINES)
def engine(request, settings, search_index):
    """Each test using it runs once per engine: Whoosh, then a stand-in for each cluster engine."""
    if request.param == "whoosh":
        yield request.param
        return
    server, url = start_standin(request.param)
    use_search_url(settings, url)
    yield request.param
    server.shutdown()
    server.server_close()


@pytest.fixture
def editor(client, db):
    """A signed-in member of the Editors group."""
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user("editor", password="a-long-editor-password", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    client.force_login(user)
    return user
