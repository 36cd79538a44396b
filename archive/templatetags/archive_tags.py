from html import escape

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from archive.search.resolve import language_name as name_of_language

register = template.Library()
SELECTED = ' class="selected"'


@register.filter
def language_name(code):
    """en → English; an unknown code is shown as it is."""
    return name_of_language(code)


@register.filter
def facet_items(entries):
    """The <li> of each facet value. A page can list hundreds (every actor under "show all"):
    built here with plain escaping they cost ~2 µs each, where format_html or an include
    cost 30–60 µs."""
    return mark_safe(
        "".join(
            f'<li{SELECTED if entry.selected else ""}><a href="{escape(entry.url)}" '
            f'data-facet-value="{escape(str(entry.value))}">{escape(str(entry.label))}</a> '
            f'<span class="count">{int(entry.count)}</span></li>'
            for entry in entries
        )
    )


@register.filter
def can_save_searches(user):
    """May this visitor keep saved searches (signed-in staff or a member of Readers)?"""
    from archive.saved_views import can_save_searches as allowed

    return allowed(user)


@register.filter
def hit_rows(hits):
    """The search page's result rows: the markup of includes/article_row.html for each hit
    (search.Hit: article, snippet), built here with plain escaping. Twenty includes cost
    about a third of the page's template time; tests check both give the same HTML."""
    return mark_safe("".join(_hit_row(hit.article, hit.snippet) for hit in hits))


def _hit_row(article, snippet):
    author = f" · {escape(article.author)}" if article.author else ""
    row = [
        f'<li class="result">\n  <a class="result-title" href="{escape(article.get_absolute_url())}">'
        f'{escape(article.title)}</a>\n  <div class="meta">{escape(article.source.name)} · '
        f"<time>{escape(article.date_display)}</time> · {escape(name_of_language(article.language))}{author}</div>\n  "
    ]
    if snippet:
        row.append(f'<p class="snippet">{conditional_escape(snippet)}</p>')
    row.append("\n  ")
    original = article.near_duplicate_of
    if original:
        row.append(
            f'<p class="dup">Also published by {escape(original.source.name)}: '
            f'<a href="{escape(original.get_absolute_url())}">{escape(original.title)}</a></p>'
        )
    row.append("\n</li>")
    return "".join(row)


@register.filter
def filter_chips(facets):
    """A removable chip for each selected facet value. A page's facets list every source and
    year, and a template loop over them all cost more than the chips it draws."""
    return mark_safe(
        "".join(
            f'\n  <li><a href="{escape(entry.url)}" title="Remove this filter">'
            f"{escape(str(facet.title))}: {escape(str(entry.label))} ×</a></li>\n  "
            for facet in facets
            for entry in facet.entries
            if entry.selected
        )
    )
