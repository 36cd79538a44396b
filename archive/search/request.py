"""What a page asks of search (SearchRequest) and one hit it gets back (Hit), for every engine."""

from dataclasses import dataclass, field

from archive.search import query as q

SORTS = ("relevance", "newest", "oldest")


@dataclass
class SearchRequest:
    query: q.ParsedQuery = field(default_factory=lambda: q.ParsedQuery(q.MatchAll()))
    filters: dict = field(default_factory=dict)  # facet name → values, already allow-listed
    date_from: object = None
    date_to: object = None
    sort: str = "relevance"
    collapse_duplicates: bool = False  # hide republished copies whose original is among the hits
    expansion: object = None  # "all languages": the concepts.Expansion that widened the query
    collapse_stories: bool = False  # one hit per story told in several languages

    @property
    def all_languages(self):
        return self.expansion is not None

    @property
    def checked_sort(self):
        return self.sort if self.sort in SORTS else "relevance"


@dataclass
class Hit:
    article: object  # archive.models.Article
    snippet: str
