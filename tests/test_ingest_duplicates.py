"""A wire story republished with small edits is stored, linked to its original, and can be collapsed in search."""

import io
import json
import re

import pytest
from django.core.management import call_command

from archive.ingest.dedupe import (
    BANDS,
    NEAR_DUPLICATE_THRESHOLD,
    NUM_PERM,
    ROWS,
    original_of,
    shingles,
    signature,
)
from archive.ingest.pipeline import Importer
from archive.models import Article
from archive.search.outbox import drain_all
from tests.factories import make_article

pytestmark = pytest.mark.django_db

WIRE = (
    "RIGA - NATO foreign ministers met in the Latvian capital on Tuesday to discuss the build-up of Russian forces "
    "near the border with Ukraine. The Secretary General said that the alliance was united in its support for its "
    "partner and that any further aggression would carry a high price. Ministers also discussed arms control, the "
    "situation on the border with Belarus and the next strategic concept, which is due to be adopted at the summit "
    "in Madrid next year. The meeting was the first of its kind to be held in Latvia since it joined the alliance "
    "in 2004, and officials said the choice of venue was a sign of solidarity with the Baltic states. "
)


def record(title, text, publisher, url):
    return {"title": title, "text": text, "date": "2021-12-01", "language": "en", "publisher": publisher, "url": url}


@pytest.fixture
def wire_copies(tmp_path):
    path = tmp_path / "wire.jsonl"
    records = [
        record("NATO ministers meet in Riga", WIRE * 2, "LETA", "https://leta.lv/1"),
        record("Allies meet in Riga", WIRE * 2 + "Reporting by the Riga desk.", "The Baltic Times", "https://tbt.lv/2"),
        record("Unrelated", " ".join(reversed(WIRE.split())) * 2, "ERR", None),
    ]
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    return path


def test_republished_story_is_stored_and_linked_to_its_original(wire_copies):
    importer = Importer()
    statuses = [outcome.status for outcome in importer.run([wire_copies])]
    assert statuses == ["imported", "near-duplicate", "imported"]
    original, copy = Article.objects.get(url="https://leta.lv/1"), Article.objects.get(url="https://tbt.lv/2")
    assert copy.near_duplicate_of == original
    assert Article.objects.get(title="Unrelated").near_duplicate_of is None


def test_article_page_and_results_say_also_published_by(client, wire_copies):
    list(Importer().run([wire_copies]))
    drain_all()
    original = Article.objects.get(url="https://leta.lv/1")
    page = client.get(original.get_absolute_url()).content.decode()
    assert re.search(r"Also published by <a href=\"[^\"]+\">The Baltic Times</a>", page)
    results = client.get("/search/", {"q": '"summit in Madrid"'}).content.decode()
    assert "Also published by LETA" in results
    titles = re.findall(r'class="result-title" href="[^"]*">([^<]*)</a>', results)
    assert sorted(titles) == ["Allies meet in Riga", "NATO ministers meet in Riga"]
    collapsed = client.get("/search/", {"q": '"summit in Madrid"', "collapse": "on"}).content.decode()
    assert re.findall(r'class="result-title" href="[^"]*">([^<]*)</a>', collapsed) == ["NATO ministers meet in Riga"]


def test_a_copy_whose_original_is_filtered_out_still_shows_when_collapsed(client, wire_copies):
    list(Importer().run([wire_copies]))
    drain_all()
    collapsed = client.get("/search/", {"q": '"summit in Madrid"', "collapse": "on", "source": "the-baltic-times"})
    assert "Allies meet in Riga" in collapsed.content.decode()


def test_short_or_different_texts_are_not_near_duplicates():
    original = make_article("Wire", WIRE * 2)
    assert original_of("Too short to compare.")[0] is None
    assert original_of(WIRE * 2 + "With a line added by the second paper.")[0] == original.pk
    assert original_of(" ".join(reversed(WIRE.split())) * 2)[0] is None


def test_a_restored_backup_keeps_ids_and_near_duplicate_links(wire_copies, tmp_path):
    list(Importer().run([wire_copies]))
    before = dict(Article.objects.values_list("pk", "near_duplicate_of"))
    dump = tmp_path / "dump.jsonl"
    call_command("export_articles", "--output", str(dump), stderr=io.StringIO())
    Article.objects.all().delete()
    statuses = [outcome.status for outcome in Importer().run([dump])]
    assert statuses == ["imported", "near-duplicate", "imported"]
    assert dict(Article.objects.values_list("pk", "near_duplicate_of")) == before


CYRILLIC = " ".join(f"Заявление {number} о безопасности Балтийского региона." for number in range(30))


@pytest.mark.parametrize("text", [WIRE * 2, " ".join(reversed(WIRE.split())) * 2, CYRILLIC])
def test_signatures_equal_datasketchs_minhash_of_the_same_shingles(text):
    from datasketch import MinHash

    theirs = MinHash(num_perm=NUM_PERM)
    theirs.update_batch(list(shingles(text)))
    assert signature(text).hashvalues.tolist() == theirs.hashvalues.tolist()
    assert signature(text).hashvalues.dtype == theirs.hashvalues.dtype


def test_the_stored_band_keys_use_datasketchs_bands_for_the_threshold():
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=NEAR_DUPLICATE_THRESHOLD, num_perm=NUM_PERM)
    assert (lsh.b, lsh.r) == (BANDS, ROWS)
