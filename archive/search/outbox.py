"""Apply queued index changes (the IndexTask outbox) to the search engine.

Every change is applied from the database's current state, so applying a task twice, or
out of order, converges on the same index. A task is removed only after the engine
accepted the change; a failure leaves it for the next drain, with the error recorded.
"""

import datetime
import logging

from django.db import transaction
from django.utils import timezone
from haystack import connections

from archive.models import Article, IndexTask

log = logging.getLogger(__name__)
BATCH_SIZE = 200
RETRY_DELAY_SECONDS = (1, 5, 30, 120, 600)


def enqueue(article_id, action):
    """Queue a change inside the caller's transaction, and apply it once that commits."""
    IndexTask.objects.create(article_id=article_id, action=action)
    transaction.on_commit(drain_quietly)


def drain_quietly():
    """Drain after a commit; a failure is logged and retried later, never raised at the saver."""
    try:
        drain()
    except Exception:
        log.warning("search index update deferred", exc_info=True)


def pending_tasks(limit=BATCH_SIZE):
    return list(IndexTask.objects.filter(not_before__lte=timezone.now()).order_by("id")[:limit])


def drain(limit=BATCH_SIZE):
    """Apply up to `limit` queued tasks; returns how many were applied. Raises if the engine refuses."""
    tasks = pending_tasks(limit)
    if not tasks:
        return 0
    article_ids = {task.article_id for task in tasks}
    unified = connections["default"].get_unified_index()
    article_index = unified.get_index(Article)
    live = {article.pk: article for article in article_index.index_queryset().filter(pk__in=article_ids)}
    gone = article_ids - live.keys()
    backend = connections["default"].get_backend()
    try:
        if live:
            backend.update(article_index, list(live.values()))
        if gone:
            remove(backend, [f"archive.article.{article_id}" for article_id in sorted(gone)])
    except Exception as error:
        postpone(tasks, error)
        raise
    IndexTask.objects.filter(pk__in=[task.pk for task in tasks]).delete()
    return len(tasks)


def remove(backend, identifiers):
    if hasattr(backend, "remove_identifiers"):
        backend.remove_identifiers(identifiers)
    else:
        for identifier in identifiers:
            backend.remove(identifier)


def postpone(tasks, error):
    now = timezone.now()
    for task in tasks:
        delay = RETRY_DELAY_SECONDS[min(task.attempts, len(RETRY_DELAY_SECONDS) - 1)]
        task.attempts += 1
        task.last_error = str(error)[:2000]
        task.not_before = now + datetime.timedelta(seconds=delay)
    IndexTask.objects.bulk_update(tasks, ["attempts", "last_error", "not_before"])


def drain_all(limit=BATCH_SIZE):
    """Drain until the queue holds nothing that is due."""
    total = 0
    while applied := drain(limit):
        total += applied
    return total
