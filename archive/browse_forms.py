"""Forms of the browsing pages: the actor directory's filters and the compare view's series."""

from django import forms
from django.conf import settings
from django.db.models import Q

from archive.models import Actor, ActorAlias
from archive.search import query as q
from archive.search.analysis import fold
from archive.search.concepts import expand_all_languages

MAX_SERIES = 5
MAX_DIRECTORY_QUERY = 100


class ActorDirectoryForm(forms.Form):
    # Not "q": the header's search box shows the q of every page.
    name = forms.CharField(required=False, max_length=MAX_DIRECTORY_QUERY, label="Name or alias", strip=True)
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
        # "All languages": each series also counts its concepts' terms in every language.
        self.all_languages = data is not None and forms.BooleanField().to_python(data.get("xlang"))

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
            if self.all_languages:
                parsed = q.ParsedQuery(expand_all_languages(parsed.tree, settings.ARCHIVE_LANGUAGES)[0])
            series.append((text, parsed))
        return series
