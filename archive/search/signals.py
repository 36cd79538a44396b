"""Queue index changes for articles when they, their actors or their source change."""

from django.db.models import signals
from haystack.signals import BaseSignalProcessor

from archive.models import Actor, ActorAlias, Article, ArticleActor, IndexTask, Source
from archive.search.outbox import enqueue


class OutboxSignalProcessor(BaseSignalProcessor):
    def setup(self):
        signals.post_save.connect(self.article_saved, sender=Article)
        signals.post_delete.connect(self.article_deleted, sender=Article)
        signals.post_save.connect(self.mention_changed, sender=ArticleActor)
        signals.post_delete.connect(self.mention_changed, sender=ArticleActor)
        signals.post_save.connect(self.source_changed, sender=Source)
        signals.post_save.connect(self.actor_changed, sender=Actor)
        signals.post_save.connect(self.alias_changed, sender=ActorAlias)
        signals.post_delete.connect(self.alias_changed, sender=ActorAlias)

    def teardown(self):
        signals.post_save.disconnect(self.article_saved, sender=Article)
        signals.post_delete.disconnect(self.article_deleted, sender=Article)
        signals.post_save.disconnect(self.mention_changed, sender=ArticleActor)
        signals.post_delete.disconnect(self.mention_changed, sender=ArticleActor)
        signals.post_save.disconnect(self.source_changed, sender=Source)
        signals.post_save.disconnect(self.actor_changed, sender=Actor)
        signals.post_save.disconnect(self.alias_changed, sender=ActorAlias)
        signals.post_delete.disconnect(self.alias_changed, sender=ActorAlias)

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
