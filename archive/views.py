"""Pages. Query logic lives in QuerySets, the search form and archive.search; views stay thin."""

import datetime
import itertools

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.generic import DetailView, TemplateView

from archive.errors import index_unavailable
from archive.exports import csv_lines
from archive.forms import SearchForm
from archive.kwic import KWIC_COLUMNS, kwic_records, page_lines
from archive.models import Article, ArticleSlug
from archive.output_views import permalink_builder, plain_error
from archive.search import query as q
from archive.search.service import IndexUnavailable, in_other_languages, related_articles, search
from archive.search.summary import archive_overview, facet_display
from archive.search_help import SYNTAX_EXAMPLES

RESULTS_PER_PAGE = 20


class HomeView(TemplateView):
    template_name = "archive/home.html"

    def get_context_data(self, **kwargs):
        recent = Article.objects.published().newest_first().select_related("source")[:8]
        try:
            overview = archive_overview()
        except IndexUnavailable:  # the newest articles come from the database: the page still serves
            overview = {"article_count": Article.objects.published().count(), "counts_unavailable": True}
        return super().get_context_data(recent=recent, form=SearchForm(), **overview, **kwargs)


class SearchHelpView(TemplateView):
    template_name = "search/help.html"
    extra_context = {"examples": SYNTAX_EXAMPLES}


def search_view(request):
    form = SearchForm(request.GET)
    results, failed = searched(request, form, "search/search.html")
    if failed:
        return failed
    page = paginate(results, request.GET.get("page"))
    context = {
        "form": form,
        "results": results,
        "page": page,
        "facets": facet_display(results.facets, form.filters, request.GET),
        "notices": form.notices + results.notices,
        "suggestion": results.did_you_mean(form.cleaned_data.get("q", "")),
    }
    return render(request, "search/search.html", context)


def kwic_view(request):
    """Keyword in context: each hit's occurrences of the query's words, aligned, a page of hits at a time."""
    form = SearchForm(request.GET)
    results, failed = searched(request, form, "search/kwic.html")
    if failed:
        return failed
    page = paginate(results, request.GET.get("page"))
    lines = page_lines(page.object_list, results.matcher)
    notices = form.notices + results.notices
    context = {"form": form, "results": results, "page": page, "lines": lines, "notices": notices}
    return render(request, "search/kwic.html", context)


def kwic_csv(request):
    form = SearchForm(request.GET)
    results, failed = searched(request, form, None)
    if failed:
        return failed
    if form.errors or not results.matcher:
        return plain_error("No concordance: give a search with words to look for (and valid dates).", 400)
    rows = csv_lines(kwic_records(results, permalink_builder(request)), KWIC_COLUMNS)
    response = StreamingHttpResponse(itertools.chain(["\ufeff"], rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="archive-kwic-{datetime.date.today().isoformat()}.csv"'
    return response


def searched(request, form, template):
    """(results, None), or (None, the page that says why not): a query over the limits, no index."""
    try:
        return search(form.search_request()), None
    except q.QueryTooBroad as error:
        if template is None:
            return None, plain_error(f"Nothing to show: {error}", 400)
        return None, render(request, template, {"form": form, "notices": form.notices, "error": str(error)}, status=400)
    except IndexUnavailable:
        if template is None:
            return None, plain_error("The search index is unavailable; try again in a minute.", 503)
        return None, index_unavailable(request)


def paginate(results, page_number):
    """The requested page; a page past the end or a non-number is a 404, never a 500."""
    paginator = Paginator(results, RESULTS_PER_PAGE, allow_empty_first_page=True)
    try:
        return paginator.page(page_number or 1)
    except (EmptyPage, PageNotAnInteger):
        raise Http404("There is no such page of results.") from None


class ArticleView(DetailView):
    queryset = Article.objects.published().select_related("source", "near_duplicate_of")
    template_name = "archive/article.html"

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if kwargs.get("slug") != self.object.slug:
            return redirect(self.object, permanent=True)
        return self.render_to_response(self.get_context_data(object=self.object))

    def get_context_data(self, **kwargs):
        mentions = self.object.actor_mentions.select_related("actor")
        copies = self.object.near_duplicates.published().select_related("source")
        versions = self.object.language_versions().published().exclude(pk=self.object.pk)
        return super().get_context_data(
            mentions=mentions,
            copies=copies,
            versions=versions,
            related=related_articles(self.object),
            other_languages=in_other_languages(self.object),
            **kwargs,
        )


def article_by_old_slug(request, slug):
    """Links from before an article's title was edited still arrive."""
    old = get_object_or_404(ArticleSlug, slug=slug)
    return redirect(old.article, permanent=True)
