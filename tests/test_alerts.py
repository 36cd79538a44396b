"""Saved searches, their private feeds and email alerts, end to end."""

import feedparser
import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from archive.alerts import send_search_alerts
from archive.models import AlertDelivery, Article, SavedSearch
from archive.search.outbox import drain_all
from tests.factories import make_actor, make_article, make_source

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://archive.example.org"


def make_reader(username="reader", email="reader@example.org"):
    user = User.objects.create_user(username, email=email, password="a-long-reader-password")
    user.groups.add(Group.objects.get(name="Readers"))
    return user


@pytest.fixture
def reader(client):
    user = make_reader()
    client.force_login(user)
    return user


def saved(user, query, name="My search", **fields):
    """A saved search made now: articles that exist already are not news to it."""
    return SavedSearch.objects.create(user=user, name=name, query=query, **fields)


def added_later(*articles):
    """Mark articles as added after every saved search's last alert."""
    Article.objects.filter(pk__in=[a.pk for a in articles]).update(created_at=timezone.now())


def test_a_reader_saves_the_search_they_see_and_finds_it_under_my_searches(client, reader):
    make_article("Vilnius summit communiqué", date="2023-07-11")
    drain_all()
    page = client.get("/search/", {"q": "vilnius", "lang": "en", "page": "1"})
    assert b"Save this search" in page.content
    response = client.post("/searches/", {"name": "Vilnius", "query": "q=vilnius&lang=en&page=1"}, follow=True)
    assert response.status_code == 200
    search = SavedSearch.objects.get(user=reader)
    assert search.query == "q=vilnius&lang=en"  # no page number
    assert b"Vilnius" in response.content and search.get_feed_url().encode() in response.content


def test_saving_a_search_needs_a_reader_account(client):
    response = client.post("/searches/", {"name": "x", "query": "q=nato"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    outsider = User.objects.create_user("outsider", password="a-long-outsider-password")
    client.force_login(outsider)
    assert client.get("/searches/").status_code == 403
    assert not SavedSearch.objects.exists()


def test_the_search_page_invites_anonymous_visitors_to_sign_in_rather_than_save(client):
    drain_all()
    page = client.get("/search/", {"q": "nato"})
    assert b"Save this search" not in page.content
    assert b"/accounts/login/?next=" in page.content


def test_a_reader_renames_pauses_resumes_revokes_and_deletes_only_their_own_searches(client, reader):
    search = saved(reader, "q=nato")
    other = saved(make_reader("other", "other@example.org"), "q=nato")
    client.post(f"/searches/{search.pk}/", {"action": "rename", "name": "NATO watch"})
    client.post(f"/searches/{search.pk}/", {"action": "pause"})
    search.refresh_from_db()
    assert (search.name, search.is_active) == ("NATO watch", False)
    client.post(f"/searches/{search.pk}/", {"action": "resume"})
    old_token = search.feed_token
    client.post(f"/searches/{search.pk}/", {"action": "revoke"})
    search.refresh_from_db()
    assert search.is_active and search.feed_token != old_token
    assert client.get(f"/feeds/saved/{old_token}/").status_code == 404
    assert client.post(f"/searches/{other.pk}/", {"action": "delete"}).status_code == 404
    assert client.post(f"/searches/{search.pk}/", {"action": "rename", "name": ""}).status_code == 302
    search.refresh_from_db()
    assert search.name == "NATO watch"  # an empty name is refused, the old one kept
    client.post(f"/searches/{search.pk}/", {"action": "delete"})
    assert list(SavedSearch.objects.all()) == [other]


def test_a_saved_search_has_a_private_feed_that_needs_no_session(client, reader):
    make_article("NATO enlargement debate", date="2023-04-04")
    make_article("Grain corridor talks", date="2023-04-05")
    drain_all()
    search = saved(reader, "q=nato", name="NATO watch")
    client.logout()
    response = client.get(search.get_feed_url())
    assert response.status_code == 200 and response["X-Robots-Tag"] == "noindex"
    feed = feedparser.parse(response.content)
    assert not feed.bozo
    assert feed.feed.title.startswith("NATO watch")
    assert [entry.title for entry in feed.entries] == ["NATO enlargement debate"]
    assert client.get("/feeds/saved/not-a-token/").status_code == 404


def test_follow_on_an_actor_and_a_source_saves_the_equivalent_search(client, reader):
    lavrov = make_actor("Sergey Lavrov", kind="person")
    ministry = make_source("Ministry of Foreign Affairs of Russia")
    make_article("Lavrov speaks", actors=[lavrov], source=ministry, date="2022-01-01")
    drain_all()
    assert b">Follow</button>" in client.get(lavrov.get_absolute_url()).content
    client.post("/searches/", {"name": "Articles mentioning Sergey Lavrov", "query": f"actor={lavrov.slug}"})
    client.post("/searches/", {"name": "Articles from the ministry", "query": f"source={ministry.slug}"})
    assert sorted(SavedSearch.objects.values_list("query", flat=True)) == [
        f"actor={lavrov.slug}",
        f"source={ministry.slug}",
    ]


def test_alerts_send_what_was_added_since_the_last_alert_once_and_a_rerun_sends_nothing():
    reader = make_reader()
    old = make_article("Old NATO communiqué", date="2014-09-05")
    search = saved(reader, "q=nato", name="NATO watch")
    # Added to the archive after the search was saved, though published long ago: that is news.
    late_import = make_article("NATO summit in Wales", date="2014-09-04")
    fresh = make_article("NATO ministers meet", date="2024-02-15")
    unrelated = make_article("Grain corridor extended", date="2024-02-16")
    added_later(late_import, fresh, unrelated)
    drain_all()

    report = send_search_alerts()
    assert [(email, n) for email, _, n in report.sent] == [("reader@example.org", 2)]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["reader@example.org"]
    assert (
        "NATO watch" in message.body
        and "NATO summit in Wales" in message.body
        and "NATO ministers meet" in message.body
    )
    assert "Old NATO communiqué" not in message.body and "Grain corridor" not in message.body
    assert f"https://archive.example.org{fresh.get_absolute_url()}" in message.body
    html = message.alternatives[0][0]
    assert '<a href="https://archive.example.org' in html
    delivery = AlertDelivery.objects.get(saved_search=search)
    assert sorted(delivery.article_ids) == sorted([late_import.pk, fresh.pk])
    assert old.pk not in delivery.article_ids

    mail.outbox.clear()
    call_command("send_search_alerts")
    assert mail.outbox == []  # nothing new: nothing sent twice


def test_an_alert_email_escapes_titles_in_its_html_part():
    reader = make_reader()
    saved(reader, "q=nato")
    added_later(make_article("NATO <script>alert(1)</script> & partners", date="2024-01-01"))
    drain_all()
    send_search_alerts()
    html = mail.outbox[0].alternatives[0][0]
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_one_failing_address_does_not_stop_the_others_and_is_retried_next_run(monkeypatch):
    broken = make_reader("broken", email="broken@example.org")
    working = make_reader("working", email="working@example.org")
    saved(broken, "q=nato")
    saved(working, "q=nato")
    added_later(make_article("NATO air policing", date="2024-03-01"))
    drain_all()

    from archive import alerts

    real_deliver = alerts.deliver

    def deliver(digest, connection):
        if digest.user.email == "broken@example.org":
            raise OSError("550 mailbox unavailable")
        return real_deliver(digest, connection)

    monkeypatch.setattr(alerts, "deliver", deliver)
    report = send_search_alerts()
    assert [email for email, _, _ in report.sent] == ["working@example.org"]
    assert report.failed[0][0] == "broken@example.org"
    assert [m.to for m in mail.outbox] == [["working@example.org"]]

    monkeypatch.setattr(alerts, "deliver", real_deliver)
    mail.outbox.clear()
    report = send_search_alerts()
    assert [m.to for m in mail.outbox] == [["broken@example.org"]]  # the failed digest, and only it


def test_the_command_exits_non_zero_when_a_digest_failed_after_trying_everyone(monkeypatch):
    saved(make_reader(), "q=nato")
    added_later(make_article("NATO exercise", date="2024-03-01"))
    drain_all()
    from archive import alerts

    monkeypatch.setattr(alerts, "deliver", lambda digest, connection: (_ for _ in ()).throw(OSError("down")))
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="1 digest"):
        call_command("send_search_alerts")


def test_a_dry_run_lists_the_digests_and_sends_and_records_nothing(capsys):
    search = saved(make_reader(), "q=nato")
    added_later(make_article("NATO exercise", date="2024-03-01"))
    drain_all()
    call_command("send_search_alerts", "--dry-run")
    assert "(dry run) sent reader@example.org: 1 article(s)" in capsys.readouterr().out
    assert mail.outbox == [] and not AlertDelivery.objects.exists()
    before = search.alerted_up_to
    search.refresh_from_db()
    assert search.alerted_up_to == before


def test_paused_searches_and_inactive_accounts_get_no_alerts():
    saved(make_reader(), "q=nato", is_active=False)
    gone = make_reader("gone", "gone@example.org")
    saved(gone, "q=nato")
    User.objects.filter(pk=gone.pk).update(is_active=False)
    added_later(make_article("NATO exercise", date="2024-03-01"))
    drain_all()
    assert send_search_alerts().sent == [] and mail.outbox == []


def test_an_article_not_yet_indexed_is_kept_for_the_next_run_not_skipped():
    search = saved(make_reader(), "q=nato")
    waiting = make_article("NATO exercise", date="2024-03-01")
    added_later(waiting)
    # Not drained: the outbox still holds its index task, so it cannot match yet.
    assert send_search_alerts().sent == []
    search.refresh_from_db()
    assert search.alerted_up_to < Article.objects.get(pk=waiting.pk).created_at
    drain_all()
    assert [n for _, _, n in send_search_alerts().sent] == [1]


def test_a_saved_search_that_no_longer_parses_is_reported_not_fatal():
    saved(make_reader(), "q=nato&date_from=not-a-date", name="Broken")
    working = saved(make_reader("second", "second@example.org"), "q=nato")
    added_later(make_article("NATO exercise", date="2024-03-01"))
    drain_all()
    report = send_search_alerts()
    assert [str(search) for search, _ in report.problems] == ["Broken"]
    assert [email for email, _, _ in report.sent] == [working.user.email]
