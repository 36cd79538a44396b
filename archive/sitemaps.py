"""The sitemap: every published article at its canonical address, plus sources and actors."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q
from django.urls import reverse

from archive.models import Actor, Article, Source


class ArticleSitemap(Sitemap):
    changefreq = "monthly"
    limit = 10_000

    def items(self):
        return Article.objects.published().only("pk", "slug", "updated_at").order_by("pk")

    def lastmod(self, article):
        return article.updated_at


class SourceSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        latest = Max("articles__updated_at", filter=Q(articles__is_published=True))
        return Source.objects.annotate(latest=latest).order_by("slug")

    def lastmod(self, source):
        return source.latest


class ActorSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return Actor.objects.filter(articles__is_published=True).distinct().order_by("slug")


class PageSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return ["archive:home"]

    def location(self, name):
        return reverse(name)


SITEMAPS = {"pages": PageSitemap, "articles": ArticleSitemap, "sources": SourceSitemap, "actors": ActorSitemap}
