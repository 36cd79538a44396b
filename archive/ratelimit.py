"""Per-client request budgets for search, exports and the API.

A fixed window counter per (rule, client) in the default cache: cheap enough to run on
every request, and shared between workers through the cache. Over budget, people get the
styled 429 page and programs a JSON {"detail": …}, both with Retry-After (archive/errors.py).
"""

import re
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from archive.clients import client_ip
from archive.errors import rate_limited

# Which paths each budget covers. Exports and the API may live under several pages
# (/search/export.csv, /export/…), so they are matched by pattern, not by one view.
RULE_PATTERNS = {
    "api": re.compile(r"^/api/"),
    "export": re.compile(r"(^|/)exports?(/|\.|$)"),
    "search": re.compile(r"^/search/"),
}


def parse_budget(text):
    """'120/60' → (120, 60): requests per window of seconds. '0/…' switches the rule off."""
    try:
        requests, seconds = (int(part) for part in str(text).split("/"))
    except ValueError:
        raise ValueError(f"rate limit {text!r} must look like REQUESTS/SECONDS, e.g. 120/60") from None
    return max(requests, 0), max(seconds, 1)


def matching_rule(path):
    for name, pattern in RULE_PATTERNS.items():
        if pattern.search(path):
            return name
    return None


def over_budget(rule, client):
    """Count this request; return the seconds to wait if it exceeds the rule's budget, else 0."""
    requests, seconds = parse_budget(settings.RATE_LIMITS.get(rule, "0/60"))
    if not requests:
        return 0
    window = int(time.time() // seconds)
    key = f"ratelimit:{rule}:{client}:{window}"
    cache.add(key, 0, timeout=seconds + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds + 1)
        count = 1
    if count <= requests:
        return 0
    return max(1, (window + 1) * seconds - int(time.time()))


class RateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        for rule, budget in settings.RATE_LIMITS.items():
            try:
                parse_budget(budget)
            except ValueError as error:  # refuse to start rather than fail every request
                raise ImproperlyConfigured(f"RATE_LIMIT_{rule.upper()}: {error}") from None

    def __call__(self, request):
        rule = matching_rule(request.path)
        wait = over_budget(rule, client_ip(request) or "unknown") if rule else 0
        if not wait:
            return self.get_response(request)
        return rate_limited(request, wait)
