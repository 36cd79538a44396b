"""Atom feeds to subscribe to: any search with its filters, any actor, any source.

"actor: Lavrov, language: en, source kind: ministry" is the search feed of
/search/?actor=sergey-lavrov&lang=en&kind=ministry, at /feeds/search/?actor=…
"""

import datetime

from django.contrib.syndication.views import Feed
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.text import Truncator

from archive.exports import actor_names_of
from archive.forms import SearchForm
from archive.models import Actor, Article, Source
from archive.output_views import form_problems
from archive.search import query as q
from archive.search.service import IndexUnavailable, search
from archive.search.stream import iter_hits

FEED_LENGTH = 50


class InvalidSearch(ValueError):
    """A search feed asked with a field the search form rejects (a bad date, an unknown sort)."""


class ArticleFeed(Feed):
    """What every archive feed shares: Atom, newest first, ids that survive title edits."""

    feed_type = Atom1Feed

    def __call__(self, request, *args, **kwargs):
        self.request = request
        return super().__call__(request, *args, **kwargs)

    def item_title(self, article):
        return article.title

    def item_description(self, article):
        # Feed readers render this as HTML; Django's feed generator does not escape it.
        summary = article.lede or Truncator(article.body).words(80)
        return escape(Truncator(summary).chars(1000))

    def item_link(self, article):
        return article.get_absolute_url()

    def item_guid(self, article):
        return self.request.build_absolute_uri(reverse("archive:article-short", args=[article.pk]))

    def item_pubdate(self, article):
        if article.published_on is None:
            return article.created_at
        time = article.published_time or datetime.time(0, 0)
        return datetime.datetime.combine(article.published_on, time, tzinfo=datetime.UTC)

    def item_updateddate(self, article):
        return article.updated_at

    def item_author_name(self, article):
        return article.author or article.source.name

    def item_categories(self, article):
        return actor_names_of(article)


def newest(queryset):
    return queryset.published().newest_first().select_related("source").prefetch_related("actor_mentions__actor")


class ActorFeed(ArticleFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Actor, slug=slug)

    def title(self, actor):
        return f"{actor.name} – Security Press Archive"

    def subtitle(self, actor):
        return f"New articles mentioning {actor.name}"

    def link(self, actor):
        return actor.get_absolute_url()

    def items(self, actor):
        return newest(Article.objects.filter(actor_mentions__actor=actor))[:FEED_LENGTH]


class SourceFeed(ArticleFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Source, slug=slug)

    def title(self, source):
        return f"{source.name} – Security Press Archive"

    def subtitle(self, source):
        return f"New articles from {source.name}"

    def link(self, source):
        return source.get_absolute_url()

    def items(self, source):
        return newest(Article.objects.filter(source=source))[:FEED_LENGTH]


class SearchFeed(ArticleFeed):
    """The newest hits of a search, with every filter the search page takes."""

    def __call__(self, request, *args, **kwargs):
        try:
            return super().__call__(request, *args, **kwargs)
        except (q.QueryTooBroad, InvalidSearch) as error:
            return HttpResponse(f"No feed: {error}\n", status=400, content_type="text/plain; charset=utf-8")
        except IndexUnavailable:
            return HttpResponse("The search index is unavailable.\n", status=503, content_type="text/plain")

    def get_object(self, request):
        return self.search_for(request.GET)

    def search_for(self, query):
        """(form, results) of the search `query` (a QueryDict) asks for, newest first."""
        form = SearchForm(query)
        search_request = form.search_request()
        if form.errors:
            raise InvalidSearch(f"fix the search first ({form_problems(form)}).")
        search_request.sort = "newest"  # a subscription wants what is new, whatever the page's order
        return form, search(search_request)

    def title(self, obj):
        form, _ = obj
        text = form.cleaned_data.get("q") or "all articles"
        filters = ", ".join(f"{name}: {' or '.join(values)}" for name, values in form.filters.items())
        return f"Search: {text}{' (' + filters + ')' if filters else ''} – Security Press Archive"

    def link(self, obj):
        return reverse("archive:search") + "?" + self.request.GET.urlencode()

    def feed_url(self, obj):
        return self.request.get_full_path()  # with the query: a reader re-fetches exactly this search

    def subtitle(self, obj):
        return f"{obj[1].count} articles match; the newest {FEED_LENGTH} are listed."

    def items(self, obj):
        return [hit.article for hit in iter_hits(obj[1], FEED_LENGTH, with_snippets=False)]
