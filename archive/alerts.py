"""Saved searches and their email alerts, as plain functions.

An alert tells a reader which articles were *added to the archive* since the last alert
and match one of their saved searches — not which were published since then: an import
of 2014 press releases is news to someone following "Crimea annexation".
"""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils import timezone

from archive.forms import SearchForm
from archive.models import AlertDelivery, Article, IndexTask, SavedSearch
from archive.search import query as q
from archive.search.service import IndexUnavailable, search

logger = logging.getLogger(__name__)

MAX_ARTICLES_PER_SEARCH = 50  # a digest lists at most this many per search, and says how many more
DROPPED_FROM_SAVED = {"page", "csrfmiddlewaretoken"}


class InvalidSavedSearch(ValueError):
    """The saved query string no longer makes a valid search (a bad date, an over-limit query)."""


def saved_query(query_dict):
    """The part of a search page's query string worth saving: no page number, no empty fields."""
    kept = QueryDict(mutable=True)
    for name, values in query_dict.lists():
        if name not in DROPPED_FROM_SAVED:
            kept.setlist(name, [value for value in values if value.strip()])
    return kept.urlencode()


def results_of(saved):
    form = SearchForm(QueryDict(saved.query))
    try:
        request = form.search_request()
    except q.QueryTooBroad as error:
        raise InvalidSavedSearch(str(error)) from None
    if form.errors:
        problems = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())
        raise InvalidSavedSearch(problems)
    return search(request)


def alert_horizon():
    """The moment up to which additions are final for alerts.

    An article added but not yet indexed cannot match a search; taking the horizon before the
    oldest pending index task means it is considered next run instead of skipped forever.
    """
    pending = IndexTask.objects.order_by("created_at").values_list("created_at", flat=True).first()
    now = timezone.now()
    return min(now, pending) if pending else now


def new_matches(saved, up_to):
    """Articles added after the saved search's last alert (up to `up_to`) that match it, in its order."""
    added = Article.objects.published().filter(created_at__gt=saved.alerted_up_to, created_at__lte=up_to)
    added_pks = set(added.values_list("pk", flat=True))
    if not added_pks:
        return []
    results = results_of(saved)
    matching = [pk for pk in results.iter_pks(results.count) if pk in added_pks]
    articles = Article.objects.select_related("source").in_bulk(matching)
    return [articles[pk] for pk in matching if pk in articles]


@dataclass
class Digest:
    user: object
    sections: list = field(default_factory=list)  # (saved search, [articles])
    checked: list = field(default_factory=list)  # every saved search looked at, news or not

    @property
    def article_count(self):
        return sum(len(articles) for _, articles in self.sections)


@dataclass
class AlertReport:
    sent: list = field(default_factory=list)  # (email, searches, articles)
    failed: list = field(default_factory=list)  # (email, error)
    problems: list = field(default_factory=list)  # (saved search, error)
    quiet: int = 0  # readers with nothing new

    def lines(self):
        yield from (f"sent {email}: {n} article(s) for {s} search(es)" for email, s, n in self.sent)
        yield from (f"FAILED {email}: {error}" for email, error in self.failed)
        yield from (f"skipped “{saved}” of {saved.user}: {error}" for saved, error in self.problems)
        yield f"{len(self.sent)} digest(s) sent, {len(self.failed)} failed, {self.quiet} reader(s) with nothing new"


def collect_digests(up_to, report):
    """A Digest per reader with active saved searches; broken searches are reported, not fatal."""
    digests = {}
    for saved in SavedSearch.objects.active().select_related("user").order_by("user_id", "name"):
        digest = digests.setdefault(saved.user_id, Digest(saved.user))
        try:
            articles = new_matches(saved, up_to)
        except (InvalidSavedSearch, IndexUnavailable) as error:
            report.problems.append((saved, error))
            continue
        digest.checked.append(saved)
        if articles:
            digest.sections.append((saved, articles))
    return list(digests.values())


def send_search_alerts(dry_run=False):
    """Email each reader one digest of what is new for their active saved searches.

    A digest that cannot be sent leaves that reader's searches where they were (retried next
    run) and never stops the others; a sent one is recorded, so a rerun sends nothing twice.
    """
    report = AlertReport()
    up_to = alert_horizon()
    connection = None if dry_run else get_connection(fail_silently=False)
    for digest in collect_digests(up_to, report):
        if not digest.sections:
            report.quiet += 1
            if not dry_run:
                advance(digest, up_to)
            continue
        if dry_run:
            report.sent.append((digest.user.email or digest.user.username, len(digest.sections), digest.article_count))
            continue
        try:
            deliver(digest, connection)
        except Exception as error:  # one failing address or server hiccup must not stop the others
            logger.warning("alert digest to %s failed: %s", digest.user.email, error)
            report.failed.append((digest.user.email or digest.user.username, f"{type(error).__name__}: {error}"))
            continue
        record(digest, up_to)
        report.sent.append((digest.user.email, len(digest.sections), digest.article_count))
    return report


def deliver(digest, connection):
    if not digest.user.email:
        raise ValueError("the account has no email address")
    context = {
        "user": digest.user,
        "sections": [(saved, articles[:MAX_ARTICLES_PER_SEARCH], len(articles)) for saved, articles in digest.sections],
        "site_url": settings.SITE_URL,
    }
    count = digest.article_count
    message = EmailMultiAlternatives(
        subject=f"{count} new article{'s' if count != 1 else ''} for your saved searches – Security Press Archive",
        body=render_to_string("emails/search_alert.txt", context),
        to=[digest.user.email],
        connection=connection,
    )
    message.attach_alternative(render_to_string("emails/search_alert.html", context), "text/html")
    message.send()


@transaction.atomic
def record(digest, up_to):
    AlertDelivery.objects.bulk_create(
        AlertDelivery(saved_search=saved, recipient=digest.user.email, article_ids=[a.pk for a in found], up_to=up_to)
        for saved, found in digest.sections
    )
    advance(digest, up_to)


def advance(digest, up_to):
    SavedSearch.objects.filter(pk__in=[saved.pk for saved in digest.checked]).update(alerted_up_to=up_to)
