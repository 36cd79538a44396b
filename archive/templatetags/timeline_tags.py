"""Timeline pieces pages ask for in their templates, so shared views need not change."""

from html import escape

from django import template
from django.utils.safestring import mark_safe

from archive.timeline_context import search_timeline as timeline_of_results

register = template.Library()


@register.simple_tag(takes_context=True)
def search_timeline(context, results):
    """{% search_timeline results as timeline %}: the hits by period; each bar narrows the search."""
    return timeline_of_results(results, context["request"].GET)


@register.filter
def chart_bars(chart):
    """The SVG bars of a bar chart (archive.charts.BarChart), each a link to its period. A
    month-by-month timeline has dozens to hundreds: built here with plain escaping, where
    the template loop cost ~25 ms a search page (a dozen variables per bar)."""
    top, height = chart.top, chart.plot_height
    return mark_safe(
        "".join(
            f'<a href="{escape(bar.url)}" aria-label="{escape(text)}">'
            f'<rect class="hit-area" x="{bar.slot_x}" y="{top}" width="{bar.slot_width}" height="{height}">'
            f"<title>{escape(text)}</title></rect>"
            f'<rect class="bar" x="{bar.x}" y="{bar.y}" width="{bar.width}" height="{bar.height}"/></a>'
            for bar in chart.bars
            if bar.count
            for text in (bar.description,)
        )
    )


@register.filter
def chart_table_rows(chart):
    """The data table's rows of a bar chart: each period, linked when it has articles, and its count."""
    return mark_safe(
        "".join(
            f'<tr><th scope="row">{_period_cell(bar)}</th><td>{escape(bar.count_text)}</td></tr>' for bar in chart.bars
        )
    )


def _period_cell(bar):
    return f'<a href="{escape(bar.url)}">{escape(bar.label)}</a>' if bar.count else escape(bar.label)
