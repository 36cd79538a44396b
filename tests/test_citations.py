"""Citations: every format is parsed back by a real parser, and carries what a citation needs to be checked."""

import datetime
import json
from pathlib import Path

import bibtexparser
import jsonschema
import pytest
import rispy

from archive.models import DatePrecision, Source, content_hash_of
from archive.search.outbox import drain_all
from tests.factories import make_article, make_source

pytestmark = pytest.mark.django_db

CSL_SCHEMA = json.loads((Path(__file__).parent / "schemas" / "csl-data.schema.json").read_text())
CAPTURED = datetime.datetime(2024, 3, 5, 10, 0, tzinfo=datetime.UTC)
TRICKY_TITLE = 'Budget {cut} of 50% & $2bn for #NATO_plan ~ "100^2" \\ end'


def streamed(response):
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


@pytest.fixture
def article():
    ministry = make_source("Ministry of Defence of Latvia", kind=Source.Kind.MINISTRY)
    return make_article(
        "Latvia invites Russia to transparency",
        "Riga. The ministry said so.\n\nSecond paragraph.",
        source=ministry,
        date="2021-12-01",
        precision=DatePrecision.MONTH,
        author="Jānis Zvejnieks",
        url="https://www.mod.gov.lv/en/news/latvia-invites-russia",
        captured_at=CAPTURED,
    )


def test_ris_parses_back_with_every_field(client, article):
    response = client.get(f"/articles/{article.pk}/cite.ris")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/x-research-info-systems")
    [entry] = rispy.loads(response.content.decode())
    assert entry["type_of_reference"] == "GOVDOC"
    assert entry["title"] == "Latvia invites Russia to transparency"
    assert entry["authors"] == ["Jānis Zvejnieks"]
    assert entry["secondary_title"] == "Ministry of Defence of Latvia"
    assert entry["year"] == "2021" and entry["date"] == "2021/12//"  # the month, no invented day
    assert entry["urls"] == ["https://www.mod.gov.lv/en/news/latvia-invites-russia"]
    assert entry["file_attachments2"] == f"http://testserver/articles/{article.pk}/"
    assert entry["access_date"] == "2024-03-05"
    assert article.content_hash in entry["notes"][0]


def test_bibtex_is_parsed_by_bibtexparser(client, article):
    text = client.get(f"/articles/{article.pk}/cite.bib").content.decode()
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    [entry] = library.entries
    fields = {field.key: field.value for field in entry.fields}
    assert entry.entry_type == "misc" and entry.key == f"spa{article.pk}_2021"
    assert fields["author"] == "Jānis Zvejnieks"
    assert fields["year"] == "2021" and fields["month"] == "12" and fields["date"] == "2021-12"
    assert fields["url"] == "https://www.mod.gov.lv/en/news/latvia-invites-russia"
    assert fields["urldate"] == "2024-03-05"
    assert f"/articles/{article.pk}/" in fields["note"] and article.content_hash in fields["note"]


def test_bibtex_escapes_latex_specials_so_the_entry_stays_whole(client):
    tricky = make_article(TRICKY_TITLE, "Some body.", author="O'Brien {Jr}")
    library = bibtexparser.parse_string(client.get(f"/articles/{tricky.pk}/cite.bib").content.decode())
    assert not library.failed_blocks
    [entry] = library.entries
    title = entry.fields_dict["title"].value
    for escaped in (r"\{cut\}", r"50\%", r"\&", r"\$2bn", r"\#NATO\_plan", r"\textasciitilde{}", r"\textbackslash{}"):
        assert escaped in title
    assert entry.fields_dict["author"].value == r"O'Brien \{Jr\}"


def test_csl_json_validates_against_the_schema(client, article):
    items = json.loads(client.get(f"/articles/{article.pk}/cite.csl").content)
    jsonschema.validate(items, CSL_SCHEMA)
    [item] = items
    assert item["issued"] == {"date-parts": [[2021, 12]]}
    assert item["accessed"] == {"date-parts": [[2024, 3, 5]]}
    assert item["author"] == [{"literal": "Jānis Zvejnieks"}]
    assert item["genre"] == "Press release" and item["container-title"] == "Ministry of Defence of Latvia"
    assert item["archive_location"] == f"http://testserver/articles/{article.pk}/"
    assert article.content_hash in item["note"]


def test_the_schema_rejects_what_is_not_csl(article):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate([{"id": "x", "type": "press-release"}], CSL_SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate([{"id": "x", "type": "document", "hash": "abc"}], CSL_SCHEMA)


def test_undated_article_is_cited_without_a_date(client):
    undated = make_article("Undated statement", "Text.", source=make_source(kind=Source.Kind.NEWS))
    [item] = json.loads(client.get(f"/articles/{undated.pk}/cite.csl").content)
    jsonschema.validate([item], CSL_SCHEMA)
    assert "issued" not in item and item["type"] == "article-newspaper"
    [entry] = rispy.loads(client.get(f"/articles/{undated.pk}/cite.ris").content.decode())
    assert "year" not in entry and "date" not in entry
    assert f"spa{undated.pk}_nd" in client.get(f"/articles/{undated.pk}/cite.bib").content.decode()


def test_the_hash_in_a_citation_can_be_recomputed_from_the_text(client, article):
    [item] = json.loads(client.get(f"/articles/{article.pk}/cite.csl").content)
    assert content_hash_of(article.body) in item["note"]


def test_cite_box_shows_a_formatted_reference(client, article):
    response = client.get(article.get_absolute_url())
    html = response.content.decode()
    assert 'id="cite"' in html
    assert "Jānis Zvejnieks. “Latvia invites Russia to transparency.” <i>Ministry of Defence of Latvia</i>" in html
    assert "December 2021" in html and "(captured 5 March 2024)" in html
    assert f"/articles/{article.pk}/cite.bib" in html and article.content_hash in html


def test_cite_box_escapes_the_title(client):
    evil = make_article("<script>alert(1)</script>", "Body of it.")
    html = client.get(evil.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_unknown_format_or_article_is_a_404(client, article):
    assert client.get(f"/articles/{article.pk}/cite.doc").status_code == 404
    assert client.get("/articles/999999/cite.ris").status_code == 404
    assert client.post(f"/articles/{article.pk}/cite.ris").status_code == 405


def test_a_result_set_exports_in_every_citation_format(client, article):
    other = make_article("NATO summit in Riga", "NATO met in Riga.", date="2021-11-30", author="Staff")
    drain_all()
    ris = rispy.loads(streamed(client.get("/search/export.ris?q=riga")))
    assert {entry["title"] for entry in ris} == {article.title, other.title}
    library = bibtexparser.parse_string(streamed(client.get("/search/export.bib?q=riga")))
    assert not library.failed_blocks and len(library.entries) == 2
    items = json.loads(streamed(client.get("/search/export.csl?q=riga&sort=oldest")))
    jsonschema.validate(items, CSL_SCHEMA)
    assert [item["id"] for item in items] == [f"spa-{other.pk}", f"spa-{article.pk}"]
