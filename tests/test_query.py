import datetime

import pytest

from archive.search import query as q


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("nato russia", q.And((q.Term("nato"), q.Term("russia")))),
        ("nato AND russia", q.And((q.Term("nato"), q.Term("russia")))),
        ("nato OR otan", q.Or((q.Term("nato"), q.Term("otan")))),
        ("nato NOT china", q.And((q.Term("nato"), q.Not(q.Term("china"))))),
        ("nato -china", q.And((q.Term("nato"), q.Not(q.Term("china"))))),
        ('"arms control"', q.Phrase(("arms", "control"))),
        ('"baltic security"~5', q.Phrase(("baltic", "security"), slop=5)),
        ("sanction*", q.Prefix("sanction")),
        ("title:riga", q.Term("riga", "title")),
        ("author:Mîndruțescu", q.Term("Mîndruțescu", "author")),
        ("actor:НАТО", q.Filter("actor", "НАТО")),
        ("source:yle-news", q.Filter("source", "yle-news")),
        ("lang:ru", q.Filter("lang", "ru")),
        ("language:ru", q.Filter("lang", "ru")),
        ("year:2021", q.Filter("year", "2021")),
        ("date:[2021-11 TO 2022-02]", q.DateRange(datetime.date(2021, 11, 1), datetime.date(2022, 2, 28))),
        ("date:2021", q.DateRange(datetime.date(2021, 1, 1), datetime.date(2021, 12, 31))),
        ("date:[2021-12-01 TO *]", q.DateRange(datetime.date(2021, 12, 1), None)),
        ("(nato OR eu) russia", q.And((q.Or((q.Term("nato"), q.Term("eu"))), q.Term("russia")))),
        ("title:(riga OR vilnius)", q.Or((q.Term("riga", "title"), q.Term("vilnius", "title")))),
        ("NATO-Russia", q.Phrase(("NATO", "Russia"))),
        ("", q.MatchAll()),
    ],
)
def test_syntax(text, tree):
    assert q.parse_query(text).tree == tree


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"unclosed phrase', "never closed"),
        ("(nato OR eu", "never closed"),
        ("nato)", "no opening bracket"),
        ("date:[2021-13 TO 2022]", "not a real date"),
        ("date:[2022 TO 2021]", "ends before it starts"),
        ("date:yesterday", "not a date"),
        ("-nato", "not only words to exclude"),
        ("title:", "needs a value"),
    ],
)
def test_malformed_queries_explain_themselves(text, message):
    with pytest.raises(q.QuerySyntaxError, match=message):
        q.parse_query(text)


@pytest.mark.parametrize(
    "text",
    ["x" * 5000, "a*", "ab*", " ".join(["word"] * 41), '"' + " ".join(["w"] * 13) + '"', '"a b"~99'],
)
def test_queries_over_the_limits_are_too_broad(text):
    with pytest.raises(q.QueryTooBroad, match="Too broad"):
        q.parse_leniently(text)


def test_lenient_parse_searches_the_words_and_says_why():
    parsed = q.parse_leniently('"unclosed (nato')
    assert parsed.tree == q.And((q.Term("unclosed"), q.Term("nato")))
    assert "never closed" in parsed.notices[0]


def test_unknown_field_is_searched_as_words_with_a_notice():
    parsed = q.parse_leniently("nosuchfield:x")
    assert parsed.tree == q.And((q.Term("nosuchfield"), q.Term("x")))
    assert "no field" in parsed.notices[0]


def test_nul_bytes_are_dropped():
    assert q.parse_leniently("nato\x00russia").tree == q.And((q.Term("nato"), q.Term("russia")))
