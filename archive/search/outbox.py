"""Apply queued index changes (the IndexTask outbox) to the search engine.

Every change is applied from the database's current state, so applying a task twice, or
out of order, converges on the same index. A task is removed only after the engine
accepted the change; a failure leaves it for the next drain, with the error recorded.
"""

import datetime
import fcntl
import logging
import os
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from haystack import connections

from archive.models import Article, IndexTask
from archive.search.errors import IndexBusy

log = logging.getLogger(__name__)
BATCH_SIZE = 200
# Tasks per index commit in a bulk import. Each Whoosh commit writes a segment, which later
# commits merge and rewrite: one commit per hundred articles was most of an import's time.
BULK_BATCH_SIZE = 1000
RETRY_DELAY_SECONDS = (1, 5, 30, 120, 600)

_applied_on_commit = ContextVar("applied_on_commit", default=True)
_collected = ContextVar("collected", default=None)


def enqueue(article_id, action):
    """Queue a change inside the caller's transaction, and apply it once that commits
    (unless SEARCH_INDEX_ON_COMMIT is off, or inside `applied_in_bulk()`: then the queue
    is drained by run_indexer or by the bulk import itself). A bulk import's changes queue
    behind everyone else's, so an editor's save is applied first."""
    in_bulk = not _applied_on_commit.get()
    priority = IndexTask.Priority.BULK if in_bulk else IndexTask.Priority.EDITOR
    collected = _collected.get()
    if collected is not None:
        collected[article_id] = IndexTask(article_id=article_id, action=action, priority=priority)
    else:
        IndexTask.objects.create(article_id=article_id, action=action, priority=priority)
    if getattr(settings, "SEARCH_INDEX_ON_COMMIT", True) and not in_bulk:
        transaction.on_commit(drain_quietly)


@contextmanager
def enqueued_together():
    """Within the block (inside the caller's transaction), the changes enqueued are written as one
    insert at its end, an article's several changes as one: an import's chunk of saves. A change
    is applied from the database's state, so a task for an article whose save was rolled back
    only finds it gone."""
    token = _collected.set({})
    try:
        yield
        IndexTask.objects.bulk_create(_collected.get().values())
    finally:
        _collected.reset(token)


@contextmanager
def applied_in_bulk():
    """Within the block, commits leave their index changes queued, at bulk priority, for the
    caller to apply in large batches (`drain_quietly(limit=…)` along the way, `drain_all(BULK_BATCH_SIZE)`
    at the end) or for run_indexer."""
    token = _applied_on_commit.set(False)
    try:
        yield
    finally:
        _applied_on_commit.reset(token)


def drain_quietly(limit=BATCH_SIZE):
    """Drain after a commit, without waiting: if another process holds the index's write
    lock (run_indexer, a rebuild's catch-up) the save returns at once and the indexer
    applies the task. A failure is logged and retried later, never raised at the saver."""
    try:
        drain(limit, wait=False)
    except Exception:
        log.warning("search index update deferred", exc_info=True)


def due_tasks():
    return IndexTask.objects.filter(not_before__lte=timezone.now())


def due_tasks_exist():
    return due_tasks().exists()


def pending_tasks(limit=BATCH_SIZE, bulk_limit=None):
    """Up to `limit` due tasks of the most urgent priority waiting (`bulk_limit`, if given, when
    those are a bulk import's): an editor's change is never applied in one index commit with a
    bulk import's, so it waits for one bulk batch at most."""
    due = due_tasks()
    first = due.order_by("priority", "id").values_list("priority", flat=True).first()
    if first is None:
        return []
    if first == IndexTask.Priority.BULK and bulk_limit is not None:
        limit = bulk_limit
    return list(due.filter(priority=first).order_by("id")[:limit])


def drain(limit=BATCH_SIZE, wait=True, bulk_limit=None):
    """Apply up to `limit` queued tasks (`bulk_limit` if they are a bulk import's); returns how
    many were applied. Raises if the engine refuses.

    With wait=False a busy index is not an error: the tasks stay due, untouched, for
    whoever holds the lock (postponing them would delay their retry for nothing).
    """
    tasks = pending_tasks(limit, bulk_limit)
    if not tasks:
        return 0
    backend = connections["default"].get_backend()
    try:
        with lock_timeout(backend, None if wait else 0):
            apply(tasks, backend)
    except IndexBusy:
        if not wait:
            return 0
        postpone(tasks, "the index was busy")
        raise
    except Exception as error:
        postpone(tasks, error)
        raise
    IndexTask.objects.filter(pk__in=[task.pk for task in tasks]).delete()
    return len(tasks)


@contextmanager
def lock_timeout(backend, seconds):
    if seconds is None or not hasattr(backend, "lock_timeout"):
        yield
        return
    backend.lock_timeout = seconds
    try:
        yield
    finally:
        del backend.lock_timeout  # back to the class default


def apply(tasks, backend):
    """Index the current database state of the tasks' articles; remove the ones gone."""
    article_ids = {task.article_id for task in tasks}
    article_index = connections["default"].get_unified_index().get_index(Article)

    def load():
        live = list(article_index.index_queryset().filter(pk__in=article_ids))
        gone = article_ids - {article.pk for article in live}
        return live, [f"archive.article.{article_id}" for article_id in sorted(gone)]

    if hasattr(backend, "apply_changes"):
        backend.apply_changes(article_index, load)
        return
    live, gone = load()
    if live:
        backend.update(article_index, live)
    if gone:
        remove(backend, gone)


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


def indexer_lock_path():
    return os.path.join(settings.VAR_DIR, "run_indexer.lock")


@contextmanager
def indexer_presence():
    """Held by run_indexer while it runs: an advisory lock on a file, which the system releases
    if the process dies, so `indexer_running()` never believes in a dead indexer."""
    os.makedirs(settings.VAR_DIR, exist_ok=True)
    with open(indexer_lock_path(), "a+b") as file:
        fcntl.flock(file, fcntl.LOCK_SH)
        yield


def indexer_running():
    """True while a run_indexer process on this machine is applying the outbox."""
    try:
        file = open(indexer_lock_path(), "rb")  # noqa: SIM115  (closed below)
    except FileNotFoundError:
        return False
    with file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(file, fcntl.LOCK_UN)
        return False


def finish_bulk(writes_index):
    """After a bulk import: apply what it queued, unless run_indexer does that. Never raises: the
    articles are saved whatever the index does. Returns a sentence for the import's summary."""
    queued = IndexTask.objects.count()
    if not writes_index:
        return f"{queued} index changes queued for the running indexer" if queued else "index up to date"
    try:
        drain_all(BULK_BATCH_SIZE)
    except Exception as error:
        log.warning("index update deferred at the end of an import", exc_info=True)
        left = IndexTask.objects.count()
        return (f"the search index could not be updated ({error}); {left} changes wait in the outbox "
                "for run_indexer or index_doctor")  # fmt: skip
    return "index up to date"
