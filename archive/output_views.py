"""Downloads: a search's hits as CSV, JSON Lines or citations; one article's citations; robots.txt.

The hits are exactly the search page's: the same form builds the same SearchRequest.
"""

import datetime

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_safe

from archive import citations
from archive.exports import FULL_TEXT_COLUMNS, RESULT_COLUMNS, csv_lines, export_cap, jsonl_line, result_record
from archive.forms import SearchForm
from archive.models import Article
from archive.search import query as q
from archive.search.service import IndexUnavailable, search
from archive.search.stream import iter_hits

TABLE_FORMATS = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}
TRUE_VALUES = {"1", "true", "on", "yes"}


def permalink_builder(request):
    """Absolute permalinks (/articles/<pk>/) that survive title edits.

    Reversed once: an export asks for 50,000 of them, and reverse() per row costs more than the row.
    """
    prefix = request.build_absolute_uri(reverse("archive:article-short", args=[0])).removesuffix("0/")
    return lambda article: f"{prefix}{article.pk}/"


def plain_error(message, status):
    return HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")


@require_safe
def export_search(request, format):
    if format not in TABLE_FORMATS and format not in citations.FORMATS:
        raise Http404(f"No export format “{format}”: use csv, jsonl, ris, bib or csl.")
    form = SearchForm(request.GET)
    try:
        search_request = form.search_request()
        if form.errors:
            return plain_error(f"Nothing exported: fix the search first ({form_problems(form)}).", 400)
        results = search(search_request)
    except q.QueryTooBroad as error:
        return plain_error(f"Nothing exported: {error}", 400)
    except IndexUnavailable:
        return plain_error("The search index is unavailable; try the export again in a minute.", 503)
    cap = export_cap()
    response = StreamingHttpResponse(export_chunks(request, results, format, cap), content_type=content_type(format))
    extension = citations.FORMATS[format][1] if format in citations.FORMATS else format
    filename = f"archive-search-{datetime.date.today().isoformat()}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Export-Total"] = str(results.count)
    response["X-Export-Rows"] = str(min(results.count, cap))
    if results.count > cap:
        response["X-Export-Truncated"] = f"the first {cap} of {results.count} hits"
    return response


def form_problems(form):
    return "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())


def content_type(format):
    return TABLE_FORMATS.get(format) or citations.FORMATS[format][0]


def export_chunks(request, results, format, cap):
    permalink = permalink_builder(request)
    if format in citations.FORMATS:
        hits = iter_hits(results, cap, with_snippets=False)
        yield from citations.citation_chunks(format, (citations.Citable(h.article, permalink(h.article)) for h in hits))
        return
    full_text = request.GET.get("full_text", "").lower() in TRUE_VALUES
    records = (result_record(hit, permalink(hit.article), full_text) for hit in iter_hits(results, cap))
    if format == "jsonl":
        yield from (jsonl_line(record) for record in records)
    else:
        yield "\ufeff"  # a byte-order mark, so spreadsheets read the UTF-8 (Cyrillic, Baltic letters) right
        yield from csv_lines(records, RESULT_COLUMNS + (FULL_TEXT_COLUMNS if full_text else []))


@require_safe
def cite_article(request, pk, format):
    if format not in citations.FORMATS:
        raise Http404(f"No citation format “{format}”: use ris, bib or csl.")
    article = get_object_or_404(Article.objects.published().select_related("source"), pk=pk)
    citable = citations.Citable(article, permalink_builder(request)(article))
    mime, extension = citations.FORMATS[format]
    response = HttpResponse("".join(citations.citation_chunks(format, [citable])), content_type=mime)
    response["Content-Disposition"] = f'inline; filename="{citations.bibtex_key(article)}.{extension}"'
    return response


@require_safe
def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /search/",  # endless facet combinations; the sitemap lists every article
        "Disallow: /api/",
        "Disallow: /feeds/search/",
        f"Sitemap: {sitemap}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
