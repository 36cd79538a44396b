"""How often generated hostile queries answer 5xx, per page: a figure, not a pass/fail test.

    .venv/bin/python -m pytest tests/bench_hostile_queries.py -q -s -p no:randomly

Not collected by the normal run (the name does not start with test_). It sends the same
derandomized queries as tests/test_hostile_input.py (HOSTILE_QUERIES of them, 1,000 by
default) to each page and prints how many answered 5xx or raised.
"""

import collections
import os

import pytest
from hypothesis import HealthCheck, given, settings

from tests.test_hostile_input import percent_encoded, queries, small_archive  # noqa: F401  (a fixture)

PAGES = ["/search/?q=", "/api/articles/?q=", "/feeds/search/?q=", "/search/export.csv?q=", "/compare/?s="]
failures = collections.Counter()
sent = collections.Counter()


@pytest.fixture
def visitor(client, settings):
    settings.RATE_LIMITS = {}
    return client


def failed(client, url):
    try:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
        return response.status_code >= 500
    except Exception:  # the test client re-raises what a server would answer 500
        return True


@pytest.mark.usefixtures("small_archive")
@settings(
    max_examples=int(os.environ.get("HOSTILE_QUERIES", "1000")),
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(text=queries)
def test_send_generated_queries_to_every_search_page(visitor, text):
    for page in PAGES:
        sent[page] += 1
        failures[page] += failed(visitor, page + percent_encoded(text))


def test_print_the_share_that_answered_5xx():
    for page in PAGES:
        print(f"{page:24} {failures[page]:5} of {sent[page]} generated queries answered 5xx")
