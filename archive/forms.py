"""The search form: what the user asked, checked against an allow-list, as a SearchRequest."""

from django import forms
from django.conf import settings

from archive.models import DatePrecision, Event, iso_at_precision, period_end
from archive.search import query as q
from archive.search.concepts import expand_all_languages
from archive.search.facets import FACETS
from archive.search.request import SORTS, SearchRequest

MAX_VALUES_PER_FACET = 20


class QueryField(forms.CharField):
    """Typed or pasted text: control characters become spaces, so a stray NUL or escape code
    is searched around rather than refused (and never reaches a feed's XML or the database)."""

    def to_python(self, value):
        return super().to_python(q.printable(value) if isinstance(value, str) else value)


class SearchForm(forms.Form):
    q = QueryField(required=False, label="Search")
    sort = forms.ChoiceField(required=False, choices=[(sort, sort.title()) for sort in SORTS])
    date_from = forms.CharField(required=False, label="From", help_text="2021, 2021-12 or 2021-12-01")
    date_to = forms.CharField(required=False, label="To")
    collapse = forms.BooleanField(required=False, label="Collapse near-duplicates")
    xlang = forms.BooleanField(
        required=False, label="All languages", help_text="Also find the same concepts in every archive language."
    )
    story = forms.BooleanField(required=False, label="One result per story")

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.notices = []
        self.filters = {}
        if data is not None:
            self.filters = self._facet_filters(data)

    def _facet_filters(self, data):
        """Facet values from the query string; anything not on the allow-list is dropped with a notice."""
        filters = {}
        for facet in FACETS:
            values = [value for value in data.getlist(facet.name) if value != ""][:MAX_VALUES_PER_FACET]
            good = [value for value in values if facet.accepts(value)]
            if len(good) < len(values):
                self.notices.append(f"Ignored a {facet.name} filter that is not a valid value.")
            if good:
                filters[facet.name] = list(dict.fromkeys(good))
        return filters

    def _clean_date(self, name, end):
        text = self.cleaned_data[name].strip()
        if not text:
            return None
        try:
            return q.parse_partial_date(text, end=end)
        except q.QuerySyntaxError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_date_from(self):
        return self._clean_date("date_from", end=False)

    def clean_date_to(self):
        return self._clean_date("date_to", end=True)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned

    def search_request(self):
        """A SearchRequest for the valid parts of the form; raises QueryTooBroad for an over-limit query."""
        self.is_valid()  # invalid fields are left out of cleaned_data and shown as errors
        cleaned = self.cleaned_data
        parsed = q.parse_leniently(cleaned.get("q", ""))
        expansion = None
        if cleaned.get("xlang") and not parsed.is_empty:
            tree, expansion = expand_all_languages(parsed.tree, settings.ARCHIVE_LANGUAGES)
            parsed = q.ParsedQuery(tree, parsed.notices)
        return SearchRequest(
            query=parsed,
            filters=self.filters,
            date_from=cleaned.get("date_from"),
            date_to=cleaned.get("date_to"),
            sort=cleaned.get("sort") or ("relevance" if not parsed.is_empty else "newest"),
            collapse_duplicates=bool(cleaned.get("collapse")),
            expansion=expansion,
            collapse_stories=bool(cleaned.get("story")),
        )


class SavedSearchForm(forms.Form):
    """Keep a search: a name the reader chooses and the search page's query string."""

    name = forms.CharField(max_length=200, strip=True)
    query = forms.CharField(max_length=2000, required=False, strip=True)


class EventForm(forms.ModelForm):
    """An event's dates as an editor knows them: a day, a month or a year (2022-02-24, 2022-02, 2022)."""

    when = forms.CharField(max_length=10, help_text="2022-02-24, 2022-02 or 2022: as precisely as it is known.")
    until = forms.CharField(
        max_length=10, required=False, help_text="The last day, month or year of a longer event; empty for one period."
    )
    link = forms.URLField(max_length=1000, required=False, assume_scheme="https", help_text="Where to read more.")

    class Meta:
        model = Event
        fields = ["name", "actors", "description", "link"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        event = self.instance
        if event.pk:
            self.initial["when"] = iso_at_precision(event.date, event.date_precision)
            if event.end_date and event.end_date != period_end(event.date, event.date_precision):
                self.initial["until"] = event.end_date.isoformat()

    def clean_when(self):
        return self._partial("when", end=False)

    def clean_until(self):
        return self._partial("until", end=True) if self.cleaned_data["until"].strip() else None

    def _partial(self, name, end):
        text = self.cleaned_data[name].strip()
        try:
            return q.parse_partial_date(text, end=end), PRECISION_OF_PARTS[text.count("-")]
        except q.QuerySyntaxError as error:
            raise forms.ValidationError(str(error)) from None

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("when"):
            self.instance.date, self.instance.date_precision = cleaned["when"]
            until = cleaned.get("until")
            if until and until[0] < self.instance.date:
                self.add_error("until", "The end is before the start.")
            else:
                self.instance.end_date = until[0] if until else None
        return cleaned


PRECISION_OF_PARTS = {0: DatePrecision.YEAR, 1: DatePrecision.MONTH, 2: DatePrecision.DAY}
