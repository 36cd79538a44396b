"""Timeline pieces pages ask for in their templates, so shared views need not change."""

from django import template

from archive.models import Actor
from archive.timeline_context import search_timeline as timeline_of_results

register = template.Library()


@register.simple_tag(takes_context=True)
def search_timeline(context, results):
    """{% search_timeline results as timeline %}: the hits by period; each bar narrows the search."""
    return timeline_of_results(results, context["request"].GET)


@register.simple_tag
def top_actors(limit=10):
    """{% top_actors 10 as actors %}: the actors most articles mention."""
    return Actor.objects.with_article_counts().filter(article_count__gt=0).order_by("-article_count", "name")[:limit]
