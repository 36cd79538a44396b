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
from django.test import override_settings
from haystack import connections

from archive.models import Actor, Article, ArticleActor, Source
from archive.search import query as q
from archive.search import semantic
from archive.search.concepts import Expansion
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
    embedded = semantic.embed_pending(limit=None)
    report = current_engine().rebuild(batch_size=2)
    found = set(corpus.numbers(search("sanction").page_pks(0, 20)))
    problems = [] if found == {1, 5, 6} else [f"after a rebuild “sanction” found {found}"]
    if embedded and current_engine().vectors_pending(None):  # the new generation keeps the vectors
        problems.append(f"vectors lost in the rebuild: {corpus.numbers(current_engine().vectors_pending(None))}")
    if report.documents != Article.objects.published().count():
        problems.append(f"the rebuild indexed {report.documents}")
    drift = find_drift()
    return problems + ([f"drift after the rebuild: {drift}"] if drift.total else [])


# --- search by meaning (all languages) -----------------------------------------------


def meaning_search(text):
    """An "all languages" search of `text` (with no concept registry: meaning alone widens it)."""
    parsed = q.parse_leniently(text)
    expansion = Expansion(query_text=" ".join(q.text_words(parsed.tree)))
    return current_engine().search(SearchRequest(parsed, expansion=expansion))


def needs_model(check):
    def checked(corpus):
        if not semantic.available():
            return []  # nothing to check: the model is not installed here (the fallback check still runs)
        return check(corpus)

    return checked


@needs_model
def check_vectors_written(corpus):
    """The embedding step gives every indexed article a vector, and then has nothing left to do."""
    engine = current_engine()
    before = set(corpus.numbers(engine.vectors_pending(None)))
    embedded = semantic.embed_pending(limit=None)
    after = engine.vectors_pending(None) + engine.vectors_pending(10)
    problems = [] if before >= set(corpus.articles) else [f"pending before embedding: {sorted(before)}"]
    if embedded < len(corpus.articles) or after:
        problems.append(f"embedded {embedded}, still pending {corpus.numbers(after)}")
    return problems


@needs_model
def check_meaning_finds_across_languages(corpus):
    """No text holds all these words; by meaning the Russian sanctions text ranks above the unrelated ones."""
    semantic.embed_pending(limit=None)
    found = corpus.numbers(meaning_search("punitive economic measures against Moscow").page_pks(0, 20))
    if 3 not in found:
        return [f"by meaning found {found}, not the Russian sanctions text (3)"]
    unrelated = [found.index(number) for number in (2, 4) if number in found]
    return [] if all(found.index(3) < rank for rank in unrelated) else [f"ranked {found}"]


@needs_model
def check_meaning_only_ranks(corpus):
    """Under a field (or NOT, or a filter) meaning adds no hits: the rule is the words'."""
    semantic.embed_pending(limit=None)
    results = meaning_search("title:sanctions")
    found = set(corpus.numbers(results.page_pks(0, 20)))
    return [] if found == {1, 6} and results.count == 2 else [f"title:sanctions by meaning found {found}"]


@needs_model
def check_meaning_exports(corpus):
    """An export of an all languages search streams the page's hits in the page's order."""
    semantic.embed_pending(limit=None)
    results = meaning_search("arms sanctions statement")
    streamed, paged = list(results.iter_pks(100)), results.page_pks(0, results.count)
    if streamed != paged or len(streamed) != results.count or not streamed:
        return [f"streamed {corpus.numbers(streamed)}, pages {corpus.numbers(paged)} ({results.count})"]
    return []


def check_meaning_fallback(corpus):
    """With the model switched off, all languages searches the registry alone and says so."""
    with override_settings(SEARCH_EMBEDDINGS=False):
        results = meaning_search("sanctions")
        found = set(corpus.numbers(results.page_pks(0, 20)))
    problems = [] if found == {1, 5, 6} else [f"without the model found {found}"]
    if not any("registry only" in notice for notice in results.notices):
        problems.append(f"no note of the fallback in {results.notices}")
    return problems


@needs_model
def check_changed_article_lacks_vector(corpus):
    """A re-indexed change leaves its article without a current vector (what index_doctor counts) until embedded."""
    engine = current_engine()
    semantic.embed_pending(limit=None)
    article = corpus.articles[2]
    article.body += " Border guards were reinforced."
    article.save()
    corpus.index([article])
    pending = corpus.numbers(engine.vectors_pending(None))
    problems = [] if pending == [2] else [f"after a change, pending {pending}"]
    if semantic.embed_pending() != 1 or engine.vectors_pending(None):
        problems.append("the embedding step did not give the changed article a current vector")
    return problems


CHECKS = {case.name: (lambda corpus, case=case: check_case(case, corpus)) for case in CASES} | {
    "exports stream every hit in order": check_stream,
    "hit dates for histograms": check_dates,
    "related articles": check_related,
    "did you mean": check_did_you_mean,
    "index versions match the database": check_versions,
    "health": check_status,
    "meaning: the embedding step writes every vector": check_vectors_written,
    "meaning: all languages finds a text in another language": check_meaning_finds_across_languages,
    "meaning: under a field it only ranks": check_meaning_only_ranks,
    "meaning: an export streams the page's hits": check_meaning_exports,
    "meaning: without the model, the registry alone, said": check_meaning_fallback,
    "meaning: a changed article needs a new vector": check_changed_article_lacks_vector,
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
