"""Editors paste a text, check the pre-filled form, confirm; bulk actions re-tag and re-index."""

import re
from html import unescape

import pytest

from archive.models import Article, ArticleActor, IndexTask, Source
from archive.search.outbox import drain_all
from tests.factories import make_article, make_source
from tests.ingest_helpers import EXAMPLES, make_registry

pytestmark = pytest.mark.django_db
PAGE = "/admin/archive/article/add-from-text/"


def field_value(html, name):
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'<textarea name="{name}"[^>]*>\s*(.*?)</textarea>', html, re.S
    )
    return match.group(1) if match else None


def test_changelist_links_to_the_paste_page(client, editor):
    assert PAGE in client.get("/admin/archive/article/").content.decode()


def test_pasted_text_comes_back_prefilled_then_saves_with_actors(client, editor):
    make_registry()
    yle = make_source("Yle News")
    raw = (EXAMPLES / "seeds" / "004_89869a064709efd4.txt").read_text()
    html = client.post(PAGE, {"text": raw, "url": "", "extract": "1"}).content.decode()
    assert field_value(html, "title").startswith("Russia publishes foreign minister&#x27;s letter")
    assert field_value(html, "lede").startswith("The letter accuses EU and Nato countries")
    assert "Skip to content" not in html.split('name="body"')[1].split("</textarea>")[0]
    assert f'<option value="{yle.pk}" selected>' in html
    selected = re.findall(r'<input type="checkbox" name="actors" value="(\d+)"[^>]*checked>\s*([^<]+)</label>', html)
    assert {"Sergey Lavrov", "NATO", "Russia"} <= {name.strip() for _, name in selected}
    names = ["title", "lede", "body", "author", "section", "language", "url", "published_on", "published_time"]
    names += ["date_note", "captions", "contact", "provenance"]
    form = {name: unescape(field_value(html, name) or "") for name in names}
    offered = ",".join(pk for pk, _ in selected)
    form.update(source=yle.pk, date_precision="unknown", actors=[pk for pk, _ in selected], confirm="1")
    form["offered_actors"] = offered
    form["title"] = "Russia publishes Lavrov's letter"  # the editor corrects the headline
    response = client.post(PAGE, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    article = Article.objects.get()
    assert article.title == "Russia publishes Lavrov's letter" and article.created_by == editor
    assert article.body.startswith("Russia's Ministry of Foreign Affairs has published a letter")
    assert "Image: Jean-Christophe Bott / EPA" in article.captions
    mentions = {m.actor.name: m.mention_count for m in article.actor_mentions.select_related("actor")}
    assert mentions["Sergey Lavrov"] >= 4


def test_paste_with_no_article_is_a_clear_error(client, editor):
    html = client.post(PAGE, {"text": "   \n\n  ", "extract": "1"}).content.decode()
    assert "This field is required" in html or "No article found" in html
    assert not Article.objects.exists()


def test_confirming_a_duplicate_is_refused_naming_the_original(client, editor):
    original = make_article("The original", "Defence ministers met in Tallinn to discuss air defence.")
    form = {"title": "Copy", "body": original.body, "source": original.source_id, "language": "en",
            "date_precision": "unknown", "confirm": "1"}  # fmt: skip
    html = client.post(PAGE, form).content.decode()
    assert f"#{original.pk}" in html and Article.objects.count() == 1


def test_retag_and_reindex_actions(client, editor):
    make_registry()
    article = make_article("Lavrov in Riga", "Sergey Lavrov met the Latvian minister in Riga. Lavrov spoke.")
    drain_all()
    changelist = "/admin/archive/article/"
    client.post(changelist, {"action": "retag_actors", "_selected_action": [article.pk]})
    mentions = {m.actor.slug: m.mention_count for m in ArticleActor.objects.select_related("actor")}
    assert mentions == {"sergey-lavrov": 3}  # "the Latvian minister" is no mention of Latvia (actors.py)
    IndexTask.objects.all().delete()
    client.post(changelist, {"action": "reindex", "_selected_action": [article.pk]})
    drain_all()
    assert not IndexTask.objects.exists()
    assert "Lavrov in Riga" in client.get("/search/", {"q": "actor:sergey-lavrov"}).content.decode()


def test_editors_keep_a_sources_signature_lines_and_the_paste_page_uses_them(client, editor):
    form = client.get("/admin/archive/source/add/").content.decode()
    assert 'name="signatures"' in form and "Lines that sign this source" in form
    signature = "Military Public Relations Department of Ministry of Defence"
    client.post("/admin/archive/source/add/", {"name": "Ministry of Defence of Latvia", "slug": "mod-lv",
                                               "kind": "ministry", "signatures": signature})  # fmt: skip
    ministry = Source.objects.get(slug="mod-lv")
    assert ministry.signatures == signature
    raw = (EXAMPLES / "seeds" / "000_b6e298e5c9106961.txt").read_text()
    html = client.post(PAGE, {"text": raw, "url": "", "extract": "1"}).content.decode()
    assert f'<option value="{ministry.pk}" selected>' in html
