"""The search contract: what every engine behind archive.search must answer, on a small fixed corpus.

Each check builds nothing engine-specific: it asks archive.search (search, related
articles, did-you-mean, streamed exports, hit dates, index_doctor's versions, deletes,
rebuilds) exactly as pages do. tests/test_search_contract.py runs every check against
Whoosh and against a stand-in for each cluster engine; `manage.py search_contract` runs
the same checks against the real cluster SEARCH_URL names, in a scratch index and inside
a database transaction it rolls back.
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from haystack import connections

from archive.models import Actor, Article, ArticleActor, Source
from archive.search import query as q
from archive.search.doctor import database_versions, find_drift
from archive.search.engine import current_engine
from archive.search.request import SearchRequest

CORPUS = [
    # number, title, text, language, source, actors, date, copy of
    (1, "NATO sanctions statement", "Allies agreed new sanctions on Russia over arms control.", "en", "Nato Press",
     ["NATO", "Russia"], datetime.date(2021, 11, 3), None),
    (2, "Baltic security review", "Baltic security depends on arms and control of the border.", "en", "Yle News",
     ["Estonia"], datetime.date(2021, 12, 1), None),
    (3, "Министр о санкциях", "Лавров заявил о новых санкциях НАТО.", "ru", "Mid Ru", ["Russia", "Sergey Lavrov"],
     datetime.date(2022, 1, 20), None),
    (4, "Puolustusministeri Tallinnassa", "Puolustusministerit tapasivat Tallinnassa.", "fi", "Yle News",
     ["Finland", "Estonia"], datetime.date(2022, 2, 14), None),
    (5, "Undated arms note", "A sanctioned shipment of arms was stopped.", "en", "Nato Press", [], None, None),
    (6, "Allies repeat sanctions statement", "Allies agreed new sanctions on Russia over arms control, again.", "en",
     "Yle News", [], datetime.date(2021, 11, 4), 1),
]  # fmt: skip


@dataclass
class Case:
    """A search and the corpus numbers it must find (a list when order matters), and facet counts."""

    name: str
    query: str = ""
    filters: dict = field(default_factory=dict)
    expected: list | set = field(default_factory=set)
    sort: str = "relevance"
    facets: dict = field(default_factory=dict)  # facet → {label: count}
    collapse: bool = False


CASES = [
    Case("a word, stemmed", "sanction", expected={1, 5, 6}),
    Case("a Russian inflection", "санкции", expected={3}),
    Case("an exact phrase", '"arms control"', expected={1, 6}),
    Case("a phrase within five words", '"arms border"~5', expected={2}),
    Case("a prefix", "puolustus*", expected={4}),
    Case("boolean OR with NOT", "(sanction OR baltic) -undated", expected={1, 2, 6}),
    Case("a field", "title:baltic", expected={2}),
    Case("an actor filter", "actor:estonia", expected={2, 4}),
    Case("a date range overlaps", "date:[2021-12 TO 2022-01]", expected={2, 3}),
    Case("newest first, undated last", "", sort="newest", expected=[4, 3, 2, 6, 1, 5]),
    Case("oldest first, undated last", "", sort="oldest", expected=[1, 6, 2, 3, 4, 5]),
    Case(
        "facets ignore their own filter",
        filters={"source": ["yle-news"]},
        expected={2, 4, 6},
        facets={"source": {"yle-news": 3, "nato-press": 2, "mid-ru": 1}, "lang": {"en": 2, "fi": 1}},
    ),
    Case("years as a facet", facets={"year": {2021: 3, 2022: 2}}, expected={1, 2, 3, 4, 5, 6}),
    Case("months within one year", filters={"year": ["2021"]}, facets={"month": {202111: 2, 202112: 1}},
         expected={1, 2, 6}),
    Case("copies of a hit collapse into it", "sanction", expected={1, 5}, collapse=True),
]  # fmt: skip


class Corpus:
    """The corpus in the database and in the index; `pk(n)` and `number(pk)` translate."""

    def __init__(self):
        sources = {name: Source.objects.get_or_create(name=name)[0] for name in {row[4] for row in CORPUS}}
        actors = {name: Actor.objects.get_or_create(name=name)[0] for row in CORPUS for name in row[5]}
        self.articles = {}
        for number, title, text, language, source, names, date, copy_of in CORPUS:
            article = Article.objects.create(
                title=title, body=text, language=language, source=sources[source], published_on=date,
                date_precision="day" if date else "unknown",
                near_duplicate_of=self.articles[copy_of] if copy_of else None,
            )  # fmt: skip
            for name in names:
                ArticleActor.objects.create(article=article, actor=actors[name], mention_count=1)
            self.articles[number] = article
        self.index(list(self.articles.values()))

    @staticmethod
    def index(articles):
        backend = connections["default"].get_backend()
        backend.update(connections["default"].get_unified_index().get_index(Article), articles)

    def pk(self, number):
        return self.articles[number].pk

    def numbers(self, pks):
        by_pk = {article.pk: number for number, article in self.articles.items()}
        return [by_pk.get(pk, pk) for pk in pks]


def search(text, **options):
    return current_engine().search(SearchRequest(q.parse_leniently(text), **options))


def check_case(case, corpus):
    request = {"filters": case.filters, "sort": case.sort, "collapse_duplicates": case.collapse}
    results = search(case.query, **request)
    found = corpus.numbers(results.page_pks(0, 20))
    found = found if isinstance(case.expected, list) else set(found)
    problems = []
    if found != case.expected or results.count != len(case.expected):
        problems.append(f"found {found} ({results.count}), expected {case.expected}")
    for name, counts in case.facets.items():
        got = dict(results.facets.get(name, []))
        if got != counts:
            problems.append(f"facet {name} {got}, expected {counts}")
    return problems


def check_stream(corpus):
    """An export streams every hit, in the page's order, to the end."""
    problems = []
    for sort in ("relevance", "newest", "oldest"):
        results = search("arms OR sanction OR baltic", sort=sort)
        streamed, paged = list(results.iter_pks(100)), results.page_pks(0, results.count)
        if streamed != paged or len(streamed) != results.count:
            problems.append(f"{sort}: streamed {corpus.numbers(streamed)}, pages {corpus.numbers(paged)}")
    if list(search("").iter_pks(2)) != search("").page_pks(0, 2):
        problems.append("a capped stream is not the first hits")
    return problems


def check_dates(corpus):
    results = search("sanction")
    starts, ends = results.hit_dates()
    expected = [(20211103, 20211103), (20211104, 20211104)]  # the undated hit has no date
    got = sorted(pair for pair in zip(starts.tolist(), ends.tolist(), strict=True) if pair[0] > 0)
    archive = sorted(zip(*(column.tolist() for column in results.archive_dates()), strict=True))
    problems = [] if got == expected else [f"hit dates {got}"]
    if int((starts == 0).sum()) != 1:
        problems.append(f"{int((starts == 0).sum())} undated hits, expected 1")
    if len([pair for pair in archive if pair[0] > 0]) != 5:
        problems.append(f"archive dates {archive}")
    return problems


def check_related(corpus):
    related = corpus.numbers(current_engine().related(corpus.articles[2], 3))
    if not related or 2 in related:
        return [f"related to the Baltic review: {related}"]
    return []


def check_did_you_mean(corpus):
    suggestion = search("sanctoins").did_you_mean("sanctoins")
    return [] if suggestion == "sanctions" else [f"suggested {suggestion!r} for “sanctoins”"]


def check_versions(corpus):
    """What index_doctor reads: each corpus article's version, as the database has it."""
    versions = current_engine().indexed_versions()
    in_database = database_versions(Article.objects.filter(pk__in=[a.pk for a in corpus.articles.values()]))
    wrong = [n for n, article in corpus.articles.items() if versions.get(article.pk) != in_database[article.pk]]
    return [f"versions differ for {wrong}"] if wrong else []


def check_status(corpus):
    status = current_engine().status()
    return [] if status.get("documents", 0) >= len(CORPUS) else [f"status {status}"]


def check_delete(corpus):
    article = corpus.articles[5]
    connections["default"].get_backend().remove_identifiers([f"archive.article.{article.pk}"])
    found = set(corpus.numbers(search("arms").page_pks(0, 20)))
    return [] if found == {1, 2, 6} else [f"after deleting 5, “arms” found {found}"]


def check_rebuild(corpus):
    report = current_engine().rebuild(batch_size=2)
    found = set(corpus.numbers(search("sanction").page_pks(0, 20)))
    problems = [] if found == {1, 5, 6} else [f"after a rebuild “sanction” found {found}"]
    if report.documents != Article.objects.published().count():
        problems.append(f"the rebuild indexed {report.documents}")
    drift = find_drift()
    return problems + ([f"drift after the rebuild: {drift}"] if drift.total else [])


CHECKS = {case.name: (lambda corpus, case=case: check_case(case, corpus)) for case in CASES} | {
    "exports stream every hit in order": check_stream,
    "hit dates for histograms": check_dates,
    "related articles": check_related,
    "did you mean": check_did_you_mean,
    "index versions match the database": check_versions,
    "health": check_status,
    "a delete is gone": check_delete,
    "a rebuild swaps in a new index": check_rebuild,
}
REBUILD_CHECK = "a rebuild swaps in a new index"


class RolledBack(Exception):
    pass


def run_contract(say, names=None):
    """Load the corpus, run the checks (all, or `names`), roll the database back. Returns failures."""
    failures = 0
    try:
        with transaction.atomic():
            corpus = Corpus()
            for name in names or CHECKS:
                problems = CHECKS[name](corpus)
                failures += bool(problems)
                say(f"{'FAIL' if problems else 'ok  '} {name}" + (f": {'; '.join(problems)}" if problems else ""))
            raise RolledBack
    except RolledBack:
        pass
    return failures
