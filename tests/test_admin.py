"""Editors: what they save is searchable once it commits, and nothing is lost or left behind."""

import re
import time

import pytest
from django.contrib.auth.models import Group
from django.db import transaction

from archive.models import Article, IndexTask
from archive.search.outbox import drain_all
from tests.factories import make_actor, make_article, make_source

pytestmark = pytest.mark.django_db


def search_titles(client, query):
    html = client.get("/search/", {"q": query}).content.decode()
    return re.findall(r'class="result-title" href="[^"]*">([^<]*)</a>', html)


def article_form(source, **overrides):
    data = {
        "title": "Estonia hosts Baltic defence ministers",
        "lede": "",
        "body": "Defence ministers of Estonia, Latvia and Lithuania met in Tallinn.",
        "source": source.pk,
        "author": "",
        "section": "",
        "language": "en",
        "url": "",
        "published_on": "2023-05-04",
        "date_precision": "day",
        "published_time": "",
        "date_note": "",
        "captions": "",
        "contact": "",
        "captured_at_0": "",
        "captured_at_1": "",
        "provenance": "",
        "is_published": "on",
        "near_duplicate_of": "",
        "actor_mentions-TOTAL_FORMS": "0",
        "actor_mentions-INITIAL_FORMS": "0",
        "actor_mentions-MIN_NUM_FORMS": "0",
        "actor_mentions-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_editors_group_has_exactly_what_editors_need():
    codenames = set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True))
    assert {"add_article", "change_article", "delete_article", "view_historicalarticle"} <= codenames
    assert "delete_source" not in codenames and "delete_actor" not in codenames
    assert not any(codename.endswith("_user") or codename.endswith("_group") for codename in codenames)


def test_admin_save_is_searchable_after_commit(client, editor, django_capture_on_commit_callbacks):
    source = make_source("ERR News")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/archive/article/add/", article_form(source))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert search_titles(client, "Tallinn") == ["Estonia hosts Baltic defence ministers"]
    article = Article.objects.get()
    assert article.created_by == editor
    assert not IndexTask.objects.exists()


def test_admin_refuses_a_text_already_in_the_archive_naming_it(client, editor):
    body = article_form(make_source())["body"]
    original = make_article("Baltic ministers meet", body)
    response = client.post("/admin/archive/article/add/", article_form(original.source, title="A copy"))
    assert response.status_code == 200
    assert f"already in the archive as “Baltic ministers meet” (article #{original.pk})" in response.content.decode()
    assert Article.objects.count() == 1


def test_admin_edit_updates_search_and_keeps_history(client, editor, django_capture_on_commit_callbacks):
    source = make_source("ERR News")
    article = make_article("Old headline", "Ministers met in Tallinn.", source=source, date="2023-05-04")
    drain_all()
    form = article_form(source, title="New headline", body="Ministers met in Narva.")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/archive/article/{article.pk}/change/", form)
    assert search_titles(client, "Narva") == ["New headline"]
    assert search_titles(client, "Tallinn") == []
    history = client.get(f"/admin/archive/article/{article.pk}/history/").content.decode()
    assert "Old headline" in history or article.history.filter(title="Old headline").exists()


def test_admin_refuses_a_duplicate_naming_the_original(client, editor):
    source = make_source("ERR News")
    original = make_article("The original", "Defence ministers of Estonia, Latvia and Lithuania met in Tallinn.")
    response = client.post("/admin/archive/article/add/", article_form(source))
    assert response.status_code == 200
    assert f"#{original.pk}" in response.content.decode()
    assert Article.objects.count() == 1


def test_delete_removes_from_search(client, editor, django_capture_on_commit_callbacks):
    article = make_article("To be deleted", "Unique word zanzibarian.")
    drain_all()
    assert search_titles(client, "zanzibarian") == ["To be deleted"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/archive/article/{article.pk}/delete/", {"post": "yes"})
    assert search_titles(client, "zanzibarian") == []


def test_rollback_leaves_no_phantom_hit(client, django_capture_on_commit_callbacks):
    source = make_source()
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                make_article("Phantom", "A ghostly quokkaesque text.", source=source)
                raise RuntimeError("the editor's transaction fails")
        except RuntimeError:
            pass
    drain_all()
    assert search_titles(client, "quokkaesque") == []
    assert not IndexTask.objects.exists()


def test_delete_while_the_index_is_busy_is_applied_later(client, search_index, django_capture_on_commit_callbacks):
    article = make_article("Busy delete", "A text about the Suwałki gap.")
    drain_all()
    lock = search_index.index.lock("WRITELOCK")
    assert lock.acquire()
    try:
        started = time.perf_counter()
        with django_capture_on_commit_callbacks(execute=True):
            article.delete()  # the index is locked: the delete must wait, not vanish
        assert time.perf_counter() - started < 0.5  # the request does not wait for the lock
        task = IndexTask.objects.get()
        assert task.action == "delete" and task.attempts == 0  # left due for the indexer
    finally:
        lock.release()
    drain_all()
    assert search_titles(client, "Suwałki") == []
    assert not IndexTask.objects.exists()


def test_changing_an_actor_alias_reindexes_its_articles(client, django_capture_on_commit_callbacks):
    nato = make_actor("NATO")
    make_article("Alliance text", "The alliance met.", actors=[nato])
    drain_all()
    assert search_titles(client, "Североатлантический") == []
    with django_capture_on_commit_callbacks(execute=True):
        nato.aliases.create(name="Североатлантический альянс", language="ru")
    assert search_titles(client, "Североатлантический") == ["Alliance text"]
