from django import template

from archive.search.resolve import language_name as name_of_language

register = template.Library()


@register.filter
def language_name(code):
    """en → English; an unknown code is shown as it is."""
    return name_of_language(code)
