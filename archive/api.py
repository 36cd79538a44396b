"""The read-only JSON API (django-ninja): articles searched like the search page, actors, sources.

OpenAPI at /api/openapi.json, docs at /api/docs/ (Swagger UI served from ninja's own
static files, so the page works offline). Every error, an unknown /api/ path and a crash
included, is JSON with a "detail" and the right status.
"""

import math

from django.core.paginator import EmptyPage, Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from ninja import Field, NinjaAPI, Query, Schema
from ninja.errors import HttpError, ValidationError

from archive.citations import FORMATS as CITATION_FORMATS
from archive.forms import SearchForm
from archive.models import Actor, Article, Source, iso_at_precision
from archive.search import query as q
from archive.search.errors import IndexUnavailable, NotSupported
from archive.search.facets import FACETS
from archive.search.query import printable
from archive.search.service import search

MAX_PAGE_SIZE = 100


class ArchiveAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        """The schema, with a filter parameter for each facet registered beyond the built-in ones
        (ArticleQuery is a class: it cannot list what a deployment registers)."""
        schema = super().get_openapi_schema(**kwargs)
        search_path = next(path for path in schema["paths"] if path.endswith("/articles/"))
        parameters = schema["paths"][search_path]["get"]["parameters"]
        listed = {parameter["name"] for parameter in parameters}
        for facet in FACETS.added():
            if facet.name not in listed:
                parameters.append(facet_parameter(facet))
        return schema


def facet_parameter(facet):
    return {
        "in": "query",
        "name": facet.name,
        "required": False,
        "description": f"{facet.title}: keep articles with this value (repeat the parameter for OR).",
        "schema": {"type": "array", "items": {"type": "string"}, "title": facet.title},
        "explode": True,
    }


api = ArchiveAPI(
    title="Security Press Archive API",
    version="1",
    description="Read-only access to the archive. /api/articles/ takes the search page's query, filters and sort.",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs/",
)


# Errors: always JSON with a message --------------------------------------------------


def error(request, message, status, **extra):
    return api.create_response(request, {"detail": message, **extra}, status=status)


@api.exception_handler(Http404)
def not_found(request, exc):
    return error(request, str(exc) or "Not found.", 404)


@api.exception_handler(ValidationError)
def invalid_parameters(request, exc):
    fields = ", ".join(".".join(str(part) for part in e.get("loc", [])[1:]) or "request" for e in exc.errors)
    return error(request, f"Invalid parameters: {fields}.", 400, errors=exc.errors)


@api.exception_handler(HttpError)
def http_error(request, exc):
    return error(request, str(exc), exc.status_code)


@api.exception_handler(q.QueryTooBroad)
def query_too_broad(request, exc):
    return error(request, str(exc), 400)


@api.exception_handler(NotSupported)
def not_supported(request, exc):
    return error(request, f"The search engine cannot do this: {exc}", 501)


@api.exception_handler(IndexUnavailable)
def index_unavailable(request, exc):
    return error(request, "The search index is unavailable; try again in a minute.", 503)


# Schemas ---------------------------------------------------------------------------


class SourceOut(Schema):
    slug: str
    name: str
    kind: str
    country: str
    homepage: str
    article_count: int | None = None
    url: str


class ActorOut(Schema):
    slug: str
    name: str
    kind: str
    aliases: list[str]
    article_count: int | None = None
    url: str


class ArticleSummary(Schema):
    id: int
    title: str
    source: str
    source_slug: str
    author: str
    date: str
    date_precision: str
    language: str
    original_url: str
    permalink: str
    content_hash: str
    snippet: str = ""


class ArticleDetail(ArticleSummary):
    lede: str
    body: str
    section: str
    captured_at: str
    actors: list[dict]
    citations: dict[str, str]


class FacetValue(Schema):
    value: str
    label: str
    count: int


class ArticlePage(Schema):
    count: int
    page: int
    page_size: int
    num_pages: int
    next: str | None
    previous: str | None
    notices: list[str]
    also_searched: list[dict[str, str]] = Field([], description="With xlang: the terms added, with their language.")
    facets: dict[str, list[FacetValue]]
    results: list[ArticleSummary]


class Page(Schema):
    count: int
    page: int
    num_pages: int
    results: list


class ActorPage(Page):
    results: list[ActorOut]


class SourcePage(Page):
    results: list[SourceOut]


class ErrorOut(Schema):
    detail: str


class ArticleQuery(Schema):
    q: str = ""
    sort: str | None = None
    date_from: str = ""
    date_to: str = ""
    source: list[str] = []
    kind: list[str] = []
    lang: list[str] = []
    actor: list[str] = []
    year: list[str] = []
    month: list[str] = []
    xlang: bool = Field(False, description="All languages: also find the query's concepts in every archive language.")
    story: bool = Field(False, description="One result per story told in several languages.")
    page: int = 1
    page_size: int = 20


ERRORS = {400: ErrorOut, 404: ErrorOut, 429: ErrorOut, 501: ErrorOut, 503: ErrorOut}


# Serialisers -----------------------------------------------------------------------


def absolute(request, path):
    return request.build_absolute_uri(path)


def article_summary(request, article, snippet=""):
    return {
        "id": article.pk,
        "title": article.title,
        "source": article.source.name,
        "source_slug": article.source.slug,
        "author": article.author,
        "date": iso_at_precision(article.published_on, article.date_precision),
        "date_precision": article.date_precision,
        "language": article.language,
        "original_url": article.url or "",
        "permalink": absolute(request, reverse("archive:article-short", args=[article.pk])),
        "content_hash": article.content_hash,
        "snippet": str(snippet),
    }


def source_out(request, source):
    fields = {name: getattr(source, name) for name in ("slug", "name", "kind", "country", "homepage")}
    url = absolute(request, source.get_absolute_url())
    return {**fields, "article_count": getattr(source, "article_count", None), "url": url}


def actor_out(request, actor):
    return {
        "slug": actor.slug,
        "name": actor.name,
        "kind": actor.kind,
        "aliases": [alias.name for alias in actor.aliases.all()],
        "article_count": getattr(actor, "article_count", None),
        "url": absolute(request, actor.get_absolute_url()),
    }


def page_link(request, number):
    query = request.GET.copy()
    query["page"] = number
    return absolute(request, request.path + "?" + query.urlencode())


def paginate(items, page, page_size):
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise HttpError(400, f"page_size must be between 1 and {MAX_PAGE_SIZE}.")
    paginator = Paginator(items, page_size, allow_empty_first_page=True)
    try:
        return paginator.page(page)
    except EmptyPage:
        raise HttpError(404, f"There is no page {page}; the last page is {paginator.num_pages}.") from None


def checked_kind(kind, kinds):
    """A `kind` filter: empty, or one of `kinds`; anything else is a 400 that lists them."""
    if kind and kind not in kinds.values:
        raise HttpError(400, f"There is no kind “{kind}”: use one of {', '.join(kinds.values)}.")
    return kind


def facets_out(facets):
    out = {}
    for facet in FACETS:
        counts = [(str(value), count) for value, count in facets.get(facet.name, [])]
        labels = facet.labels([value for value, _ in counts])
        out[facet.name] = [
            {"value": value, "label": labels.get(value, value), "count": count} for value, count in counts
        ]
    return out


# Endpoints -------------------------------------------------------------------------


@api.get("/articles/", response={200: ArticlePage, **ERRORS}, summary="Search articles")
def list_articles(request, params: Query[ArticleQuery]):
    """The search page's query language, facet filters (repeat a parameter for OR) and sort."""
    form = SearchForm(request.GET)
    search_request = form.search_request()
    if form.errors:
        problems = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())
        raise HttpError(400, f"Invalid search: {problems}")
    results = search(search_request)
    page = paginate(results, params.page, params.page_size)
    return {
        "count": results.count,
        "page": page.number,
        "page_size": params.page_size,
        "num_pages": max(1, math.ceil(results.count / params.page_size)),
        "next": page_link(request, page.number + 1) if page.has_next() else None,
        "previous": page_link(request, page.number - 1) if page.has_previous() else None,
        "notices": form.notices + results.notices,
        "also_searched": also_searched(search_request),
        "facets": facets_out(results.facets),
        "results": [article_summary(request, hit.article, hit.snippet) for hit in page.object_list],
    }


def also_searched(search_request):
    if search_request.expansion is None:
        return []
    return [{"language": language, "term": term} for language, term in search_request.expansion.terms_shown()]


@api.get("/articles/{article_id}/", response={200: ArticleDetail, **ERRORS}, summary="One article")
def get_article(request, article_id: int):
    article = get_object_or_404(Article.objects.published().select_related("source"), pk=article_id)
    mentions = article.actor_mentions.select_related("actor")
    return {
        **article_summary(request, article),
        "lede": article.lede,
        "body": article.body,
        "section": article.section,
        "captured_at": article.captured_at.isoformat() if article.captured_at else "",
        "actors": [{"slug": m.actor.slug, "name": m.actor.name, "mentions": m.mention_count} for m in mentions],
        "citations": {
            name: absolute(request, reverse("archive:cite-article", args=[article.pk, name]))
            for name in CITATION_FORMATS
        },
    }


@api.get("/actors/", response={200: ActorPage, **ERRORS}, summary="Actors, with their article counts")
def list_actors(request, q: str = "", kind: str = "", page: int = 1, page_size: int = 50):
    """`q` matches a name or any alias, in any script."""
    actors = Actor.objects.with_article_counts().prefetch_related("aliases").order_by("name")
    name = printable(q).strip()  # PostgreSQL refuses a NUL in a comparison
    if name:
        actors = actors.filter(pk__in=Actor.objects.matching_name(name).values("pk"))
    if checked_kind(kind, Actor.Kind):
        actors = actors.filter(kind=kind)
    found = paginate(actors, page, page_size)
    return {"count": found.paginator.count, "page": found.number, "num_pages": found.paginator.num_pages,
            "results": [actor_out(request, actor) for actor in found.object_list]}  # fmt: skip


@api.get("/sources/", response={200: SourcePage, **ERRORS}, summary="Sources, with their article counts")
def list_sources(request, kind: str = "", page: int = 1, page_size: int = 50):
    sources = Source.objects.with_article_counts()
    if checked_kind(kind, Source.Kind):
        sources = sources.filter(kind=kind)
    found = paginate(sources.order_by("name"), page, page_size)
    return {"count": found.paginator.count, "page": found.number, "num_pages": found.paginator.num_pages,
            "results": [source_out(request, source) for source in found.object_list]}  # fmt: skip


# The index at /api/ ------------------------------------------------------------------

EXAMPLES = {
    "/api/articles/": "?q=nato+lang:en&sort=newest",
    "/api/actors/": "?q=Lavrov",
    "/api/sources/": "?kind=ministry",
}


def endpoints():
    """Every operation in the OpenAPI schema, so the index never lists what the API lacks."""
    schema = api.get_openapi_schema()
    return [
        {
            "method": method.upper(),
            "path": path,
            "summary": operation.get("summary", ""),
            "description": operation.get("description", ""),
            "parameters": [parameter["name"] for parameter in operation.get("parameters", [])],
            "example": path + EXAMPLES[path] if path in EXAMPLES else "",
        }
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    ]


def api_index(request):
    """/api/: a page for people (the endpoints, their parameters, examples, the docs); JSON for a
    program that asks for it with Accept: application/json."""
    links = {"docs": reverse("api:openapi-view"), "openapi": reverse("api:openapi-json")}
    accept = request.headers.get("Accept", "")
    if "application/json" in accept and "text/html" not in accept:
        return JsonResponse({"title": api.title, "version": api.version, **links, "endpoints": endpoints()})
    return render(request, "api/index.html", {"api": api, "endpoints": endpoints(), **links})
