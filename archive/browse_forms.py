"""Forms of the browsing pages: the actor directory's filters and the compare view's series."""

from django import forms
from django.db.models import Q

from archive.forms import QueryField
from archive.models import Actor, ActorAlias, Source
from archive.search import query as q
from archive.search.analysis import fold

MAX_SERIES = 5
MAX_DIRECTORY_QUERY = 100


class ActorDirectoryForm(forms.Form):
    # Not "q": the header's search box shows the q of every page.
    name = QueryField(required=False, max_length=MAX_DIRECTORY_QUERY, label="Name or alias")
    kind = forms.ChoiceField(required=False, choices=[("", "All kinds"), *Actor.Kind.choices])
    sort = forms.ChoiceField(required=False, choices=[("name", "Name"), ("articles", "Most articles")])

    def actors(self):
        """The actors asked for, with article counts; an invalid filter is ignored (and shown as an error)."""
        self.is_valid()
        cleaned = self.cleaned_data
        actors = Actor.objects.with_article_counts().prefetch_related("aliases")
        if cleaned.get("kind"):
            actors = actors.filter(kind=cleaned["kind"])
        if cleaned.get("name"):
            actors = actors.filter(pk__in=actor_ids_matching(cleaned["name"]))
        if cleaned.get("sort") == "articles":
            return actors.order_by("-article_count", "name")
        return actors.order_by("name")


class SourceDirectoryForm(forms.Form):
    """The source directory's order and kind; a value it does not know is ignored with a notice."""

    SORTS = {
        "name": ("name",),
        "count": ("-article_count", "name"),
        "kind": ("kind", "name"),
        "country": ("country", "name"),
    }
    kind = forms.ChoiceField(required=False, choices=[("", "All kinds"), *Source.Kind.choices])
    sort = forms.ChoiceField(required=False, choices=[(name, name) for name in SORTS])

    def sources(self):
        self.notices = [self.notice(name) for name in self.errors]
        cleaned = self.cleaned_data
        sources = Source.objects.with_article_counts()
        if cleaned.get("kind"):
            sources = sources.filter(kind=cleaned["kind"])
        return sources.order_by(*self.SORTS[cleaned.get("sort") or "name"])

    def notice(self, name):
        if name == "sort":
            return f"Sorted by name: there is no order “{self.data['sort']}” (use {', '.join(self.SORTS)})."
        return f"Showing every kind: there is no kind “{self.data['kind']}”."


def actor_ids_matching(text):
    """Actors whose name or any alias contains `text`, in any script, case or accent.

    Folded in Python because SQLite's LIKE ignores case only in ASCII: "нато" must find НАТО.
    """
    folded = fold(text)
    ids = {pk for pk, name in Actor.objects.values_list("pk", "name") if folded in fold(name)}
    ids.update(pk for pk, name in ActorAlias.objects.values_list("actor_id", "name") if folded in fold(name))
    ids.update(Actor.objects.filter(Q(slug__icontains=text)).values_list("pk", flat=True))
    return ids


class CompareForm(forms.Form):
    """Up to five queries in the search syntax; an actor is `actor:Lavrov` (any alias)."""

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        given = [text.strip() for text in (data.getlist("s") if data is not None else []) if text.strip()]
        self.texts = list(dict.fromkeys(given))[:MAX_SERIES]
        self.notices = []
        if len(dict.fromkeys(given)) > MAX_SERIES:
            self.notices.append(f"Only the first {MAX_SERIES} series are charted.")
        self.slots = self.texts + [""] * (MAX_SERIES - len(self.texts))

    def parsed_series(self):
        """(text, ParsedQuery) for each series; a malformed one is searched as plain words with a notice."""
        series = []
        for text in self.texts:
            if len(text) > q.MAX_QUERY_LENGTH:
                self.notices.append(f"“{text[:40]}…” is longer than {q.MAX_QUERY_LENGTH} characters and was left out.")
                continue
            try:
                parsed = q.parse_leniently(text)
            except q.QueryTooBroad as error:
                self.notices.append(f"“{text}” was left out: {error}")
                continue
            self.notices.extend(f"“{text}”: {notice}" for notice in parsed.notices)
            series.append((text, parsed))
        return series
