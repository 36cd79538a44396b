"""Browsing pages: the archive by date, the actor directory, actor and source timelines, compare."""

import datetime

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.generic import DetailView, TemplateView

from archive import browse_dates
from archive.browse_forms import ActorDirectoryForm, ArticleListForm, CompareForm, SourceDirectoryForm
from archive.compare import compare_chart
from archive.events import EventScope
from archive.models import Actor, Article, ArticleActor, Source
from archive.timeline_context import filtered_timeline

ARTICLES_PER_PAGE = 50
YEAR_ONLY_PER_PAGE = 100
ACTORS_PER_PAGE = 100
TOP_RELATED = 15


def page_of(items, request, per_page):
    """The requested page; a bad or too-high page number shows the last page rather than failing."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


class ArchiveIndexView(TemplateView):
    template_name = "archive/browse/index.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**browse_dates.archive_overview(), **kwargs)


def year_view(request, year):
    context = browse_dates.year_overview(valid_date(year))
    context["page"] = page_of(context.pop("year_only"), request, YEAR_ONLY_PER_PAGE)
    return render(request, "archive/browse/year.html", context)


def month_view(request, year, month):
    month_start = valid_date(year, month)
    context = browse_dates.month_overview(month_start)
    context["page"] = page_of(context.pop("articles"), request, 200)
    return render(request, "archive/browse/month.html", context)


def day_view(request, year, month, day):
    return render(request, "archive/browse/day.html", browse_dates.day_overview(valid_date(year, month, day)))


def undated_view(request):
    articles = Article.objects.published().undated().select_related("source").order_by("title", "id")
    return render(request, "archive/browse/undated.html", {"page": page_of(articles, request, ARTICLES_PER_PAGE)})


def valid_date(year, month=1, day=1):
    """The date a URL names; a month 13 or a 30 February is a 404, never a 500."""
    try:
        return datetime.date(year, month, day)
    except (ValueError, OverflowError):
        raise Http404("There is no such date.") from None


def actor_directory(request):
    form = ActorDirectoryForm(request.GET)
    page = page_of(form.actors(), request, ACTORS_PER_PAGE)
    return render(request, "archive/actors.html", {"form": form, "page": page, "kinds": Actor.Kind.choices})


SOURCE_COLUMNS = [("name", "Name"), ("kind", "Kind"), ("country", "Country"), ("count", "Articles")]


def source_directory(request):
    form = SourceDirectoryForm(request.GET)
    sources = list(form.sources())
    sort = form.cleaned_data.get("sort") or "name"
    context = {"form": form, "sources": sources, "kinds": Source.Kind.choices, "columns": SOURCE_COLUMNS, "sort": sort}
    return render(request, "archive/sources.html", context)


class ActorView(DetailView):
    queryset = Actor.objects.prefetch_related("aliases")
    template_name = "archive/actor.html"

    def get_context_data(self, **kwargs):
        actor = self.object
        articles = Article.objects.published().mentioning(actor)
        co_mentioned = (
            ArticleActor.objects.filter(article__in=articles.values("pk"))
            .exclude(actor=actor)
            .values("actor__slug", "actor__name")
            .annotate(n=Count("article", distinct=True))
            .order_by("-n", "actor__name")[:TOP_RELATED]
        )
        order = ArticleListForm(self.request.GET)
        speaking = articles.spoken_by(actor)
        listed = speaking if order.speaking else articles.only_mentioning(actor)
        page = page_of(order.ordered(listed, actor).select_related("source"), self.request, ARTICLES_PER_PAGE)
        return super().get_context_data(
            order=order,
            speaking_count=speaking.count(),
            listed_count=page.paginator.count,
            timeline=filtered_timeline(
                articles, {"actor": actor.slug}, f"Articles mentioning {actor.name} over time", EventScope({actor.slug})
            ),
            article_count=articles.count(),
            page=page,
            co_mentioned=co_mentioned,
            top_sources=articles.values("source__slug", "source__name").annotate(n=Count("id")).order_by("-n")[:10],
            events=actor.events.all(),
            **kwargs,
        )


class SourceView(DetailView):
    model = Source
    template_name = "archive/source.html"

    def get_context_data(self, **kwargs):
        articles = Article.objects.published().from_source(self.object)
        order = ArticleListForm(self.request.GET)
        page = page_of(order.ordered(articles).select_related("source"), self.request, ARTICLES_PER_PAGE)
        return super().get_context_data(
            order=order,
            timeline=filtered_timeline(articles, {"source": self.object.slug}, f"{self.object.name} over time"),
            article_count=page.paginator.count,
            page=page,
            **kwargs,
        )


def compare_view(request):
    form = CompareForm(request.GET)
    compare = compare_chart(form.parsed_series(), form.notices, form.granularity(), form.all_languages)
    context = {"form": form, "compare": compare}
    context["search_url"] = reverse("archive:search")
    return render(request, "archive/compare.html", context)
