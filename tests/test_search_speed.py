"""The fast search path: NumPy ranking, bulk reads, phrases on candidates, the time budget."""

import re

import numpy as np
import pytest
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from haystack import connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.models import Article
from archive.search.analysis import WORD, fold
from archive.search.highlight import WordMatcher, _matches, snippet
from archive.search.outbox import drain_all
from archive.search.service import Hit
from archive.search.whoosh import searcher as whoosh_search
from archive.search.whoosh import segments
from archive.search.whoosh.backend import ArchiveCodec, archive_schema, whoosh_document
from archive.search.whoosh.rebuild import rebuild
from archive.search.whoosh.searcher import snapshots
from archive.templatetags.archive_tags import hit_rows
from tests.factories import make_article, make_source

pytestmark = pytest.mark.django_db

with __import__("warnings").catch_warnings():
    __import__("warnings").simplefilter("ignore", SyntaxWarning)
    from whoosh import fields
    from whoosh import query as wq
    from whoosh.analysis import SpaceSeparatedTokenizer
    from whoosh.codec.whoosh3 import W3Codec
    from whoosh.filedb.filestore import FileStorage


def result_titles(response):
    return re.findall(r'class="result-title" href="[^"]*">([^<]*)</a>', response.content.decode())


def current_snapshot():
    return snapshots.get(connections["default"].get_backend())


@pytest.fixture
def varied():
    """Articles where term frequency, length and field decide the order, saved one by one
    so the index has several segments."""
    source = make_source("Yle News")
    texts = [
        ("Sanctions on the table", "Ministers met. " * 30),
        ("Energy talks", "Sanctions were discussed once among many other topics. " * 3),
        ("Border report", "Sanctions sanctions sanctions: the border and sanctions again."),
        ("Budget", "The budget grows; sanctions are mentioned in passing. " + "Filler words here. " * 40),
        ("Weather", "Snow in Riga, nothing about policy."),
    ]
    for title, body in texts:
        make_article(title, body, source, date="2022-03-01")
        drain_all()
    return [title for title, _ in texts]


def test_vectorised_ranking_matches_whoosh_bm25f(client, varied):
    snapshot = current_snapshot()
    scoring = wq.Or([wq.Term("title", "sanction", boost=3.0), wq.Term("text", "sanction")])
    whoosh_order = [hit.docnum for hit in snapshot.searcher.search(scoring, limit=None)]
    ours = whoosh_search.ranked_docnums(
        snapshot, whoosh_search.Compiled(np.isin(np.arange(len(snapshot.live)), whoosh_order), scoring), "relevance", 10
    )
    assert ours == whoosh_order
    assert result_titles(client.get("/search/", {"q": "sanctions"}))[0] == "Sanctions on the table"


def test_bulk_reads_agree_with_whoosh_one_value_at_a_time(varied):
    snapshot = current_snapshot()
    reader = snapshot.searcher.reader()
    size = reader.doc_count_all()
    assert len(list(reader.leaf_readers())) > 1  # the fixture made several segments
    assert snapshot.pk.tolist() == list(reader.column_reader("pk"))
    ids, frequencies = snapshot.term_postings("text", "sanction")
    assert ids.tolist() == list(reader.postings("text", "sanction").all_ids())
    assert frequencies.tolist() == [weight for _, weight in reader.postings("text", "sanction").items_as("weight")]
    labels, codes = snapshot.categories["source"]
    assert [labels[code] for code in codes] == list(reader.column_reader("source"))
    hashes = snapshot.content_hashes()
    assert hashes == [digest.hex() for digest in reader.column_reader("content_hash")]
    assert sorted(hashes) == sorted(Article.objects.values_list("content_hash", flat=True))
    lengths = snapshot.field_lengths("text")
    assert lengths.tolist() == [reader.doc_field_length(docnum, "text", 0) for docnum in range(size)]
    keys = np.concatenate(
        [
            segments.segments.positions(segment, "text", ["sanction"]) + (offset << 32)
            for segment, offset, _ in snapshot.leaves
        ]
    )
    expected = [(docnum, position) for docnum, positions in reader.postings("text", "sanction").items_as("positions")
                for position in positions]  # fmt: skip
    assert [(int(key) >> 32, int(key) & 0xFFFFFFFF) for key in keys] == expected
    frequencies = {term.decode(): info.doc_frequency() for term, info in reader.iter_field("text")}
    counts = snapshot.document_frequencies("text")
    assert {term: counts[term] for terms in counts.term_lists() for term in terms} == frequencies


def test_a_save_reads_only_the_new_segment(client, varied):
    rebuild()  # one or two large segments, which Whoosh leaves alone when a save adds one
    before = current_snapshot()
    reused = {id(part) for _, _, part in before.leaves}
    make_article("One more", "Sanctions again.", make_source("Delfi"))
    drain_all()
    after = current_snapshot()
    assert after is not before and "One more" in result_titles(client.get("/search/", {"q": "sanctions"}))
    fresh = [part for _, _, part in after.leaves if id(part) not in reused]
    assert [part.size for part in fresh] == [1]  # only the new article's segment was read


def test_a_save_reads_only_the_new_segment_whatever_the_number_of_segments(client, varied, monkeypatch):
    monkeypatch.setattr(whoosh_search, "SPARE_SEGMENTS", 0)  # the cache holds no more than a snapshot's own
    before = current_snapshot()
    assert len(before.leaves) == 5  # varied saved its articles one by one
    reused = {id(part) for _, _, part in before.leaves}
    make_article("One more", "Sanctions again.", make_source("Delfi"))
    drain_all()
    after = current_snapshot()
    assert "One more" in result_titles(client.get("/search/", {"q": "sanctions"}))
    fresh = [part for _, _, part in after.leaves if id(part) not in reused]
    assert [part.size for part in fresh] == [1]


def test_deleted_articles_leave_the_snapshot(client, varied):
    from archive.models import Article

    Article.objects.get(title="Border report").delete()
    drain_all()
    assert "Border report" not in result_titles(client.get("/search/", {"q": "sanctions"}))
    assert len(result_titles(client.get("/search/", {"q": "sanctions"}))) == 3


def test_phrases_match_in_order_across_segments(client):
    source = make_source("Yle News")
    make_article("One", "The arms control treaty was signed.", source)
    drain_all()
    make_article("Two", "Control of arms exports was tightened.", source)
    drain_all()
    make_article("Three", "New arms control talks begin.", source)
    drain_all()
    assert sorted(result_titles(client.get("/search/", {"q": '"arms control"'}))) == ["One", "Three"]
    assert result_titles(client.get("/search/", {"q": '"control arms"'})) == []


def test_a_query_over_the_time_budget_is_refused_not_left_running(client, varied, monkeypatch):
    monkeypatch.setattr(whoosh_search, "QUERY_TIME_BUDGET_SECONDS", -1.0)
    response = client.get("/search/", {"q": '"sanctions sanctions"'})
    assert response.status_code == 400
    assert "Too broad" in response.content.decode()


def test_term_cache_stays_within_its_bound(varied, monkeypatch):
    monkeypatch.setattr(segments, "TERM_CACHE_BYTES", 16)
    snapshot = current_snapshot()
    for word in ["sanction", "border", "budget", "snow", "riga", "minist"]:
        snapshot.term_postings("text", word)
    assert segments.segments.cached_term_bytes() <= 16 or len(segments.segments._terms) == 1


def test_parallel_rebuild_indexes_every_article(client, varied):
    report = rebuild()
    assert report.documents == len(varied)
    assert result_titles(client.get("/search/", {"q": "sanctions"}))[0] == "Sanctions on the table"
    assert len(result_titles(client.get("/search/", {"q": "sanctions"}))) == 4


def test_snippet_centres_on_the_densest_cluster_of_distinct_words():
    text = "nato " + "filler " * 80 + "nato russia sanctions together here " + "filler " * 80
    matcher = WordMatcher(["nato", "russia", "sanctions"], ["en"])
    shown = snippet(text, matcher, "en", length=80)
    assert "<mark>russia</mark>" in shown and "<mark>sanctions</mark>" in shown
    assert shown.startswith("…")


def test_highlights_mark_whole_words_only_as_the_tokenizer_draws_them():
    text = "'NATO' and NATO’s allies; Russia's NATO-led talks ‘NATO’ nato_x ANATO NATOs NATO’ ends"
    matcher = WordMatcher(["nato"], ["en"])
    expected = [m.span() for m in WORD.finditer(text) if matcher.matches(m.group(), "en")]
    assert _matches(text, matcher, "en") == expected
    assert [text[start:end] for start, end in expected] == ["NATO", "NATO’s", "NATO", "NATO", "NATOs", "NATO"]


def test_the_browse_page_facets_are_computed_once_per_index_version(client, varied):
    first = client.get("/search/").content.decode()
    assert "Yle News" in first
    make_article("A new one", "Fresh text.", make_source("Delfi"))
    drain_all()  # a new index version: the cached totals must not be reused
    assert "Delfi" in client.get("/search/").content.decode()
    assert current_snapshot().memo("facets of everything", lambda: None)["source"] == [("yle-news", 5), ("delfi", 1)]


def test_exact_phrases_from_positions_agree_with_whoosh(client):
    source = make_source("Yle News")
    texts = ["Arms control matters. Control arms too.", "The arms race; control later.", "arms control arms control"]
    for number, text in enumerate(texts):
        make_article(f"Text {number}", text, source)
        drain_all()
    make_article("Sanctions", "New sanctions against Russia were announced", source)
    drain_all()
    assert sorted(result_titles(client.get("/search/", {"q": '"arms control"'}))) == ["Text 0", "Text 2"]
    assert result_titles(client.get("/search/", {"q": '"sanction against russia"'})) == ["Sanctions"]
    assert result_titles(client.get("/search/", {"q": '"against sanctions"'})) == []
    # with slop the words may stand apart, and Whoosh checks them
    assert sorted(result_titles(client.get("/search/", {"q": '"arms control"~3'}))) == ["Text 0", "Text 1", "Text 2"]


def test_our_codec_and_text_format_write_what_whooshs_own_write(tmp_path, varied):
    """ArchiveCodec drops only per-term length statistics, and PreAnalysedPositions splits
    on spaces itself: postings, field lengths and stored fields come out byte for byte."""
    from archive.models import Article

    article_index = connections["default"].get_unified_index().get_index(Article)
    documents = [whoosh_document(article_index.full_prepare(article)) for article in article_index.index_queryset()]
    stock_schema = archive_schema()
    for name in ("title", "text", "author"):
        stock_schema.remove(name)
        stock_schema.add(name, fields.TEXT(analyzer=SpaceSeparatedTokenizer(), phrase=True))

    def written_by(schema, codec, name):
        (tmp_path / name).mkdir()
        index = FileStorage(str(tmp_path / name)).create_index(schema)
        writer = index.writer(codec=codec)
        for document in documents:
            writer.add_document(**document)
        writer.commit()
        reader = index.reader()
        lengths = {
            field: [reader.doc_field_length(n, field) for n in range(len(documents))] for field in reader.schema.names()
        }
        postings = [(field, term, list(reader.postings(field, term).all_items())) for field, term in reader.all_terms()]
        return lengths, postings, list(reader.all_stored_fields())

    assert written_by(archive_schema(), ArchiveCodec(), "ours") == written_by(stock_schema, W3Codec(), "whoosh")


def test_search_rows_built_in_python_are_the_rows_the_include_draws(client):
    source = make_source("Kyiv <Post> & Co")
    original = make_article("NATO summit <b>in Vilnius</b>", "Allies met in Vilnius.", source, date="2023-07-11")
    copy = make_article(
        "Allies & partners", "Allies met in Vilnius again.", source, date="2023-07-01", precision="month"
    )
    copy.author = "O'Brien"
    copy.near_duplicate_of = original
    copy.save()
    drain_all()
    for article, text in ((original, mark_safe("Allies met in <mark>Vilnius</mark>.")), (copy, "")):
        include = render_to_string("includes/article_row.html", {"article": article, "snippet": text})
        assert hit_rows([Hit(article, text)]) == include.strip()
    assert client.get("/search/", {"q": "vilnius"}).content.decode().count('<li class="result">') == 2


def matches_word_by_word(text, matcher, language):
    """The highlighter's former way, kept as the reference: every distinct word of the text
    judged in Python, then the accepted ones found by one alternation."""
    hits = {word for word in set(WORD.findall(text)) if fold(word[:2])[:2] in matcher.initials}
    hits = {word for word in hits if matcher.matches(word, language)}
    if not hits:
        return []
    alternatives = "|".join(re.escape(word) for word in sorted(hits, key=len, reverse=True))
    pattern = re.compile(rf"(?<!\w)(?<!\w['’])(?:{alternatives})(?!\w)(?!['’]\w)")
    return [found.span() for found in pattern.finditer(text)]


TRICKY_TEXT = st.text(
    alphabet=st.sampled_from(list("unitedUNITÉDßﬁŉёйЁстшаäöÅ'’_-9 .\u0301\u4e00😀")) | st.characters(),
    max_size=120,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TRICKY_TEXT, picks=st.lists(st.integers(0, 50), min_size=1, max_size=3), prefix=st.booleans())
def test_highlighted_words_are_the_ones_a_word_by_word_scan_finds(text, picks, prefix):
    words = WORD.findall(text) or ["united"]
    query = [words[pick % len(words)] for pick in picks]
    if prefix:
        query = [word[:3] + "*" for word in query]
    for language in ("en", "ru", "fi"):
        matcher = WordMatcher(query, ["en", "ru", "fi", "sv", "de"])
        assert _matches(text, matcher, language) == matches_word_by_word(text, matcher, language)
        # Words with many first letters, as an "all languages" query's terms: every word is drawn.
        many = WordMatcher([*query, "alpha", "bravo", "charlie", "delta", "эхо", "фокстрот", "golf"], ["en", "ru"])
        assert _matches(text, many, language) == matches_word_by_word(text, many, language)


def test_a_kept_prefix_expansion_never_outlives_its_index_version(client):
    source = make_source("Delfi")
    make_article("Zebrafish study", "Zebrafish in the Baltic.", source, date="2022-03-01")
    drain_all()
    assert result_titles(client.get("/search/", {"q": "zebr*"})) == ["Zebrafish study"]
    assert result_titles(client.get("/search/", {"q": "zebr*", "source": "delfi"})) == ["Zebrafish study"]
    make_article("Zebrawood trade", "Zebrawood imports.", source, date="2022-04-01")
    drain_all()
    assert sorted(result_titles(client.get("/search/", {"q": "zebr*"}))) == ["Zebrafish study", "Zebrawood trade"]


def test_a_prefix_expands_to_the_words_whoosh_lists(varied):
    snapshot = current_snapshot()
    evaluator = whoosh_search.Evaluator(snapshot, ["en"], None)
    reader = snapshot.searcher.reader()
    expected = [(field, term.decode()) for field in ("title", "text") for term in reader.expand_prefix(field, "s")]
    assert evaluator._expand(("title", "text"), "s") == expected
    evaluator._prefix(whoosh_search.q.Prefix("s"))
    assert snapshot.expansions.get((("title", "text"), "s")) == expected
    # postings kept from the segments that list each word are those of every segment
    everywhere = whoosh_search.Snapshot(snapshot.searcher, snapshot.generation)
    for field, term in expected:
        kept, read = snapshot.term_postings(field, term), everywhere.term_postings(field, term)
        assert kept[0].tolist() == read[0].tolist() and kept[1].tolist() == read[1].tolist()


def test_postings_read_a_whole_list_at_once_agree_with_whooshs_matcher(tmp_path):
    """Lists of many blocks (128 postings each), with weights all 1, all equal within a block,
    or varied: docnums, weights and positions come out as Whoosh's own matcher reads them."""
    from archive.search.whoosh.arrays import _term_blocks, segment_positions, segment_postings

    schema = fields.Schema(text=fields.TEXT(analyzer=SpaceSeparatedTokenizer(), phrase=True))
    index = FileStorage(str(tmp_path)).create_index(schema)
    writer = index.writer(codec=W3Codec())
    for number in range(700):
        words = ["once"] + ["twice"] * 2 * (number < 300) + ["varied"] * (number % 5) + ["rare"] * (number % 97 == 0)
        writer.add_document(text=" ".join(words + ["filler"] * (number % 3)))
    writer.commit()
    reader = index.reader()  # one segment
    assert _term_blocks(reader, "text", "once") is not None  # read from the term's entry, not the general fallback
    for term in ("once", "twice", "varied", "rare", "filler", "absent"):
        ids, weights = segment_postings(reader, "text", term)
        expected = list(reader.postings("text", term).items_as("weight")) if term != "absent" else []
        assert list(zip(ids.tolist(), weights.tolist(), strict=True)) == expected
        keys = segment_positions(reader, "text", term)
        expected = [
            (docnum << 32) | position
            for docnum, positions in (reader.postings("text", term).items_as("positions") if term != "absent" else [])
            for position in positions
        ]
        assert keys.tolist() == expected
    writer = index.writer()
    writer.delete_document(3)
    writer.commit(merge=False)
    reader = index.reader()
    assert reader.has_deletions()  # a deleted document is still read: the snapshot's live mask drops it
    assert segment_postings(reader, "text", "once")[0].tolist() == list(range(700))


def test_a_fields_postings_read_in_one_pass_agree_with_whoosh(client):
    from archive.models import ArticleActor
    from archive.search.whoosh.arrays import field_postings
    from tests.factories import make_actor

    source = make_source("Delfi")
    nato, lavrov, sandu = make_actor("NATO"), make_actor("Sergey Lavrov"), make_actor("Maia Sandu")
    for number in range(12):  # NATO in 8 (postings in the postings file), Sandu in 1 (inlined in the terms file)
        article = make_article(f"Meeting {number}", f"Talks in Riga, round {number}.", source)
        actors = [nato if number % 3 else lavrov] + ([sandu] if number == 5 else [])
        ArticleActor.objects.bulk_create(ArticleActor(article=article, actor=actor) for actor in actors)
    rebuild()  # one segment holding them all
    reader, live = current_snapshot().searcher.reader(), {}
    for segment, _ in reader.leaf_readers():
        expected = [(term.decode(), list(segment.postings("actors", term.decode()).all_ids()))
                    for term in segment.lexicon("actors")]  # fmt: skip
        # Whoosh leaves out deleted documents; our arrays keep them for the live mask to drop
        found = [(term, [i for i in ids.tolist() if not segment.is_deleted(i)]) for term, ids in
                 field_postings(segment, "actors")]  # fmt: skip
        assert found == expected
        for term, ids in found:
            live[term] = live.get(term, 0) + len(ids)
    assert live == {"nato": 8, "sergey-lavrov": 4, "maia-sandu": 1}
