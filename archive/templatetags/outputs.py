"""Template parts for taking things away: the Cite box, export and feed links."""

from django import template
from django.urls import reverse

from archive.citations import Citable, formatted_reference
from archive.exports import export_cap

register = template.Library()


@register.inclusion_tag("includes/cite_box.html", takes_context=True)
def cite_box(context, article):
    request = context["request"]
    permalink = request.build_absolute_uri(reverse("archive:article-short", args=[article.pk]))
    return {"article": article, "reference": formatted_reference(Citable(article, permalink))}


@register.inclusion_tag("includes/export_links.html", takes_context=True)
def export_links(context, results):
    """Download and subscribe links for the search being shown, with all its filters."""
    request = context["request"]
    query = request.GET.copy()
    query.pop("page", None)
    cap = export_cap()
    return {"query": query, "count": results.count, "cap": cap, "capped": results.count > cap}
