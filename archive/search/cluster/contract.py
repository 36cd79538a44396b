"""The backend contract: what any engine behind archive.search must answer, on a small fixed corpus.

Each case is a SearchRequest and the article numbers it must find (and, for facets, the
counts). `manage.py search_contract` runs it against a cluster; the test suite checks the
same expectations on Whoosh (tests/test_scale_out.py), so every engine is held to one standard.
"""

import datetime
from dataclasses import dataclass, field

from archive.search import query as q
from archive.search.cluster.client import facet_counts, hit_pks, total, translator
from archive.search.cluster.elastic import document
from archive.search.service import FACET_FIELDS, SearchRequest

LANGUAGES = ["en", "ru", "fi"]

CORPUS = [
    # pk, title, text, language, source, actors, date
    (1, "NATO sanctions statement", "Allies agreed new sanctions on Russia over arms control.", "en", "nato-press",
     ["nato", "russia"], datetime.date(2021, 11, 3)),
    (2, "Baltic security review", "Baltic security depends on arms and control of the border.", "en", "yle-news",
     ["estonia"], datetime.date(2021, 12, 1)),
    (3, "Министр о санкциях", "Лавров заявил о новых санкциях НАТО.", "ru", "mid-ru", ["russia", "sergey-lavrov"],
     datetime.date(2022, 1, 20)),
    (4, "Puolustusministeri Tallinnassa", "Puolustusministerit tapasivat Tallinnassa.", "fi", "yle-news",
     ["finland", "estonia"], datetime.date(2022, 2, 14)),
    (5, "Undated arms note", "A sanctioned shipment of arms was stopped.", "en", "nato-press", [], None),
]  # fmt: skip


class LabelResolver:
    """The contract uses index labels directly; resolving names is the database's job, not the engine's."""

    def resolve(self, field, values, notices):
        return [str(value) for value in values]


@dataclass
class Case:
    name: str
    query: str = ""
    filters: dict = field(default_factory=dict)
    expected: list | set = field(default_factory=set)  # a list when order matters
    sort: str = "relevance"
    facets: dict = field(default_factory=dict)  # facet → {label: count}


CASES = [
    Case("a word, stemmed", "sanction", expected={1, 5}),
    Case("a Russian inflection", "санкции", expected={3}),
    Case("an exact phrase", '"arms control"', expected={1}),
    Case("a phrase within five words", '"arms border"~5', expected={2}),
    Case("a prefix", "puolustus*", expected={4}),
    Case("boolean OR with NOT", "(sanction OR baltic) -undated", expected={1, 2}),
    Case("a field", "title:baltic", expected={2}),
    Case("an actor filter", "actor:estonia", expected={2, 4}),
    Case("a date range overlaps", "date:[2021-12 TO 2022-01]", expected={2, 3}),
    Case("newest first, undated last", "", sort="newest", expected=[4, 3, 2, 1, 5]),
    Case("oldest first, undated last", "", sort="oldest", expected=[1, 2, 3, 4, 5]),
    Case(
        "facets ignore their own filter",
        "",
        filters={"source": ["yle-news"]},
        expected={2, 4},
        facets={"source": {"yle-news": 2, "nato-press": 2, "mid-ru": 1}, "lang": {"en": 1, "fi": 1}},
    ),
    Case("years as a facet", "", facets={"year": {2021: 2, 2022: 2}}, expected={1, 2, 3, 4, 5}),
]


def prepared(pk, title, text, language, source, actors, date):
    return {
        "id": f"archive.article.{pk}",
        "django_id": str(pk),
        "title": title,
        "text": f"{title}\n{text}",
        "language": language,
        "source": source,
        "source_kind": "news",
        "actors": actors,
        "date_start": date,
        "date_end": date,
        "updated_at": None,
    }


def run_contract(cluster, say, keep=False):
    """Index the corpus, run every case, delete one article and check it is gone. Returns failures."""
    cluster.create_index()
    cluster.index_documents([document(prepared(*row)) for row in CORPUS])
    translate, build_body = translator(cluster, LANGUAGES, LabelResolver())
    failures = 0
    try:
        for case in CASES:
            failures += not check(cluster, translate, build_body, case, say)
        cluster.remove_documents(["archive.article.5"])
        failures += not check(cluster, translate, build_body, Case("a delete is gone", "arms", expected={1, 2}), say)
    finally:
        if not keep:
            cluster.drop_index()
    return failures


def check(cluster, translate, build_body, case, say):
    request = SearchRequest(query=q.parse_leniently(case.query), filters=case.filters, sort=case.sort)
    response = cluster.search(build_body(request, translate, FACET_FIELDS, 0, 20))
    pks = hit_pks(cluster, response)
    found = pks if isinstance(case.expected, list) else set(pks)
    problems = []
    if found != case.expected or total(cluster, response) != len(case.expected):
        problems.append(f"found {found}, expected {case.expected}")
    for name, counts in case.facets.items():
        got = facet_counts(cluster, response, name)
        if got != counts:
            problems.append(f"facet {name} {got}, expected {counts}")
    say(f"{'FAIL' if problems else 'ok  '} {case.name}" + (f": {'; '.join(problems)}" if problems else ""))
    return not problems
