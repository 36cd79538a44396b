"""Error answers: styled pages for people, JSON ({"detail": …}) for every /api/ path.

Django calls the handlers in config/urls.py; the rate limiter (429) and the search pages
(503) render the same templates. The 500 page is rendered without a request context, so it
works when the database or the index is what broke, and falls back to plain HTML if even the
template cannot be rendered.
"""

import logging

from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader

from archive.search.errors import IndexUnavailable, NotSupported

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
ADMIN_PREFIX = "/admin/"
# What a program is told for an error that was not raised by the API's own handlers.
API_DETAILS = {
    400: "Bad request.",
    403: "Forbidden.",
    404: "No API endpoint at {path}; the endpoints are listed at /api/.",
    405: "{method} is not allowed here; use {allow}.",
    413: "The request is too large.",
    429: "Too many requests.",
    500: "Something went wrong on our side; it has been logged. Please try again later.",
    501: "The search engine this archive uses cannot do this.",
    503: "The service is unavailable for a moment; please try again in a minute.",
}
KEPT_HEADERS = ("Allow", "Retry-After")
FALLBACK_500 = (
    "<!doctype html><title>Server error</title><h1>Something went wrong on our side</h1>"
    '<p>It has been logged. Please try again in a few minutes, or <a href="/">go to the front page</a>.</p>'
)


def is_api(request):
    return request.path.startswith(API_PREFIX)


def api_detail(request, status, allow=""):
    template = API_DETAILS.get(status, "The request failed.")
    return template.format(path=request.path, method=request.method, allow=allow or "GET")


class ErrorAnswersMiddleware:
    """Any error answer under /api/ that is not JSON yet (a 405 from django-ninja, a 404 for an
    unknown path, a 500 from a crash, a 400 from a request Django refused) becomes JSON; HEAD
    under /api/ is answered as GET without the body; an unreadable search index is the 503 page
    from whichever view met it, and what the engine cannot do (NotSupported) the 501 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        head = is_api(request) and request.method == "HEAD"
        if head:  # django-ninja routes GET only, and HTTP asks every GET resource to answer HEAD too
            request.method = "GET"
        response = self.as_json(request, self.get_response(request))
        if head:
            request.method = "HEAD"
        if head and not response.streaming:
            response.setdefault("Content-Length", str(len(response.content)))  # the GET answer's, as HEAD promises
            response.content = b""
        return response

    @staticmethod
    def as_json(request, response):
        if not is_api(request) or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        detail = api_detail(request, response.status_code, response.get("Allow", ""))
        json_response = JsonResponse({"detail": detail}, status=response.status_code)
        for header in KEPT_HEADERS:
            if header in response:
                json_response[header] = response[header]
        return json_response

    def process_exception(self, request, exception):
        if isinstance(exception, IndexUnavailable):
            logger.warning("Search index unavailable for %s: %s", request.path, exception)
            return index_unavailable(request)
        if isinstance(exception, NotSupported):  # what the configured engine cannot do: 501 with its reason
            return error_page(request, 501, str(exception))
        return None


class AdminAddressMiddleware:
    """Two things Django's admin changelists pass on unchecked, for every ModelAdmin (ours and
    those of auth and axes): a NUL in a filter value (PostgreSQL refuses it: a 500) and a date
    hierarchy part past the calendar (?published_on__year=9999 makes Django compute year
    10000: a 500). Both are a 400 with the reason."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = admin_address_problem(request) if request.path.startswith(ADMIN_PREFIX) else None
        if problem:
            return error_page(request, 400, problem)
        return self.get_response(request)


DATE_PART_RANGES = {"year": range(1, 9999), "month": range(1, 13), "day": range(1, 32)}


def admin_address_problem(request):
    if "%00" in request.META.get("QUERY_STRING", ""):
        return "The address holds a NUL character (%00); remove it and try again."
    for name, value in request.GET.items():
        allowed = DATE_PART_RANGES.get(name.rpartition("__")[2])
        if allowed and not (value.strip().isdecimal() and int(value) in allowed):
            return f"“{value}” is not a {name.rpartition('__')[2]} this archive can show."
        # A filter by id past the database's 64-bit integers (?source=9223372036854775808) overflows: a 500.
        number = value.strip().removeprefix("-")
        if name != "q" and number.isdecimal() and len(number) < 4300 and int(number) >= 2**63:
            return f"“{value}” is larger than any id this archive can hold."
    return None


def error_page(request, status, message="", **context):
    """The styled page for `status` (templates/errors/<status>.html), which extends base.html."""
    return render(request, f"errors/{status}.html", {"message": message, **context}, status=status)


def exception_message(exception):
    """Our own Http404/PermissionDenied messages are written for people; Django's resolver
    passes a dict of the patterns it tried, which is not."""
    message = exception.args[0] if exception is not None and exception.args else ""
    return message if isinstance(message, str) else ""


def bad_request(request, exception=None):
    return error_page(request, 400, exception_message(exception))


def permission_denied(request, exception=None):
    return error_page(request, 403, exception_message(exception))


def csrf_failure(request, reason=""):
    """Django's own CSRF page is bare and technical; an editor whose form expired needs this."""
    message = "The form you sent has expired or came from another site. Reload the page and send it again."
    return error_page(request, 403, message)


def page_not_found(request, exception=None):
    return error_page(request, 404, exception_message(exception))


def server_error(request):
    """No request context: context processors or a template tag that reads the database would
    fail again when the database is what broke."""
    try:
        return HttpResponseServerError(loader.get_template("errors/500.html").render({"status": 500}))
    except Exception:
        logger.exception("The 500 page could not be rendered; answered with plain HTML")
        return HttpResponseServerError(FALLBACK_500)


def index_unavailable(request):
    return error_page(request, 503)


def rate_limited(request, wait):
    """Over budget: people get the page, programs JSON; both say how long to wait."""
    message = f"Too many requests. Please wait {wait} seconds and try again."
    if is_api(request):
        response = JsonResponse({"detail": message, "retry_after": wait}, status=429)
    else:
        response = error_page(request, 429, message, wait=wait)
    response["Retry-After"] = str(wait)
    return response
