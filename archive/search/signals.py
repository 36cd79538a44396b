"""Queue index changes for articles when they, their actors or their source change."""

from django.db.models import signals
from haystack.signals import BaseSignalProcessor

from archive.models import Actor, ActorAlias, Article, ArticleActor, IndexTask, Source
from archive.search.outbox import enqueue


class OutboxSignalProcessor(BaseSignalProcessor):
    def watched_signals(self):
        """(signal, handler, sender) for every change that alters what an article's index entry holds."""
        return [
            (signals.post_save, self.article_saved, Article),
            (signals.post_delete, self.article_deleted, Article),
            (signals.post_save, self.mention_changed, ArticleActor),
            (signals.post_delete, self.mention_changed, ArticleActor),
            (signals.post_save, self.source_changed, Source),
            (signals.post_save, self.actor_changed, Actor),
            (signals.post_save, self.alias_changed, ActorAlias),
            (signals.post_delete, self.alias_changed, ActorAlias),
        ]

    def setup(self):
        for signal, handler, sender in self.watched_signals():
            signal.connect(handler, sender=sender)

    def teardown(self):
        for signal, handler, sender in self.watched_signals():
            signal.disconnect(handler, sender=sender)

    def article_saved(self, sender, instance, **kwargs):
        enqueue(instance.pk, IndexTask.Action.UPDATE)

    def article_deleted(self, sender, instance, **kwargs):
        enqueue(instance.pk, IndexTask.Action.DELETE)

    def mention_changed(self, sender, instance, **kwargs):
        enqueue(instance.article_id, IndexTask.Action.UPDATE)

    # Fixture loads (raw saves) of sources and actors touch no indexed article text: the
    # articles they load are queued by their own signals.
    def source_changed(self, sender, instance, created=False, raw=False, **kwargs):
        if not created and not raw:
            enqueue_many(instance.articles.values_list("pk", flat=True))

    def actor_changed(self, sender, instance, created=False, raw=False, **kwargs):
        if not created and not raw:
            enqueue_many(instance.articles.values_list("pk", flat=True))

    def alias_changed(self, sender, instance, raw=False, **kwargs):
        if raw:
            return
        enqueue_many(Article.objects.filter(actor_mentions__actor_id=instance.actor_id).values_list("pk", flat=True))


def enqueue_many(article_ids):
    for article_id in article_ids:
        enqueue(article_id, IndexTask.Action.UPDATE)
