"""Forms of the browsing pages: the actor directory's filters and the compare view's series."""

from django import forms
from django.conf import settings
from django.db.models import Case, Q, When

from archive.forms import QueryField
from archive.models import Actor, ActorAlias, Source
from archive.search import query as q
from archive.search.analysis import fold
from archive.search.concepts import expand_all_languages
from archive.timeline import Granularity

MAX_SERIES = 5
MAX_DIRECTORY_QUERY = 100


class ActorDirectoryForm(forms.Form):
    # Not "q": the header's search box shows the q of every page.
    name = QueryField(required=False, max_length=MAX_DIRECTORY_QUERY, label="Name or alias")
    kind = forms.ChoiceField(required=False, choices=[("", "All kinds"), *Actor.Kind.choices])
    sort = forms.ChoiceField(required=False, choices=[("name", "Name"), ("articles", "Most mentioned")])

    def actors(self):
        """The actors asked for, with article counts; an invalid filter is ignored (and shown as an error).

        With a name, an actor called exactly that (in any alias) comes first, then names that
        start with it, then names that merely contain it: "нато" lists NATO before Anatoly Antonov.
        """
        self.is_valid()
        cleaned = self.cleaned_data
        actors = Actor.objects.with_article_counts().prefetch_related("aliases")
        if cleaned.get("kind"):
            actors = actors.filter(kind=cleaned["kind"])
        by_count = ["-article_count", "name"]
        order = by_count if cleaned.get("sort") == "articles" else ["name"]
        if cleaned.get("name"):
            ranks = actor_match_ranks(cleaned["name"])
            closeness = Case(*(When(pk=pk, then=rank) for pk, rank in ranks.items()), default=3)
            actors = actors.filter(pk__in=ranks).annotate(closeness=closeness)
            order = ["closeness", *(order if cleaned.get("sort") == "name" else by_count)]
        return actors.order_by(*order)


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


EXACT, STARTS, CONTAINS = 0, 1, 2


def actor_match_ranks(text):
    """{actor pk: how closely its name or an alias matches `text`} (EXACT, STARTS or CONTAINS),
    in any script, case or accent; the closest of an actor's names counts.

    Folded in Python because SQLite's LIKE ignores case only in ASCII: "нато" must find НАТО.
    """
    folded = fold(text)
    ranks = {}

    def consider(pk, name):
        name = fold(name)
        if folded not in name:
            return
        rank = EXACT if name == folded else STARTS if name.startswith(folded) else CONTAINS
        ranks[pk] = min(rank, ranks.get(pk, CONTAINS))

    for pk, name in Actor.objects.values_list("pk", "name"):
        consider(pk, name)
    for pk, name in ActorAlias.objects.values_list("actor_id", "name"):
        consider(pk, name)
    for pk, slug in Actor.objects.filter(Q(slug__icontains=text)).values_list("pk", "slug"):
        consider(pk, slug)
    return ranks


class ArticleListForm(forms.Form):
    """The order of an actor's or a source's articles: newest first unless the reader asks otherwise."""

    sort = forms.ChoiceField(
        required=False, choices=[("newest", "Newest first"), ("oldest", "Oldest first"), ("relevance", "Most relevant")]
    )
    role = forms.ChoiceField(required=False, choices=[("", "Mentioned"), ("speaker", "Speaking")])

    def ordered(self, articles, actor=None):
        """`articles` in the chosen order; relevance is how often they name `actor` (or any actor)."""
        sort = self.cleaned_data.get("sort") if self.is_valid() else None
        if sort == "oldest":
            return articles.chronological()
        if sort == "relevance":
            return articles.most_about(actor) if actor else articles.most_actors()
        return articles.newest_first()

    @property
    def speaking(self):
        """An actor page asked for the texts the actor speaks in, rather than those that mention them."""
        return self.is_valid() and self.cleaned_data.get("role") == "speaker"

    @property
    def chosen(self):
        return (self.cleaned_data.get("sort") if self.is_valid() else None) or "newest"


class CompareForm(forms.Form):
    """Up to five queries in the search syntax; an actor is `actor:Lavrov` (any alias)."""

    bins = forms.ChoiceField(
        required=False,
        label="Periods",
        choices=[("", "Chosen by the span"), ("month", "Months (up to 20 years)"), ("year", "Years")],
    )

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

    def granularity(self):
        """The bins the reader chose (None: chosen by the span); an unknown value is ignored with a notice."""
        if not self.is_valid():
            self.notices.append("Ignored an unknown choice of periods.")
            return None
        return {"month": Granularity.MONTH, "year": Granularity.YEAR}.get(self.cleaned_data.get("bins"))

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
