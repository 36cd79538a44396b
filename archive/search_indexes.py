"""What the search index holds for each article (engine-neutral: our backends analyse it)."""

from haystack import indexes

from archive.models import ISO_LENGTH_AT_PRECISION, Article, period_end


class ArticleIndex(indexes.SearchIndex, indexes.Indexable):
    text = indexes.CharField(document=True)
    title = indexes.CharField(model_attr="title")
    author = indexes.CharField(model_attr="author")
    language = indexes.CharField(model_attr="language")
    source = indexes.CharField(model_attr="source__slug")
    source_kind = indexes.CharField(model_attr="source__kind")
    actors = indexes.MultiValueField()
    date_start = indexes.DateField(model_attr="published_on", null=True)
    date_end = indexes.DateField(null=True)
    date_precision = indexes.CharField(model_attr="date_precision")
    near_duplicate_of = indexes.IntegerField(model_attr="near_duplicate_of_id", null=True)
    updated_at = indexes.DateTimeField(model_attr="updated_at")
    # With updated_at, what index_doctor compares: it also catches text changed without a save.
    content_hash = indexes.CharField(model_attr="content_hash")

    def get_model(self):
        return Article

    def index_queryset(self, using=None):
        return (
            Article.objects.published()
            .select_related("source")
            .prefetch_related("actor_mentions__actor__aliases")
            .order_by("pk")
        )

    def get_updated_field(self):
        return "updated_at"

    def prepare_text(self, article):
        """Everything a plain word should find: the article, its byline and source, and every
        name of each actor it mentions (so "Lavrov" finds a text that says "the minister").
        Built here rather than from a template: rendering one was a tenth of a rebuild."""
        names = [name for mention in article.actor_mentions.all() for name in mention.actor.all_names()]
        return "\n".join([article.title, article.lede, article.body, article.author, article.source.name, *names])

    def prepare_actors(self, article):
        return [mention.actor.slug for mention in article.actor_mentions.all()]

    def prepare_date_end(self, article):
        if article.date_precision not in ISO_LENGTH_AT_PRECISION:
            return None
        return period_end(article.published_on, article.date_precision)
