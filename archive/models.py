"""The archive's data: sources, actors, articles, and the queue that keeps the search index in step."""

import calendar
import datetime
import functools
import hashlib
import re
import secrets
import unicodedata

from anyascii import anyascii
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from simple_history.models import HistoricalRecords


def unique_slugify(instance, value, max_length=200):
    """A slug for `value` that no other row of the instance's model uses yet."""
    # Transliterated first, so "Олена Приклад" is olena-pryklad rather than an empty slug.
    base = slugify(anyascii(value), allow_unicode=False)[:max_length] or "item"
    slug, n = base, 2
    model = type(instance)
    while model.objects.filter(slug=slug).exclude(pk=instance.pk).exists():
        suffix = f"-{n}"
        slug = base[: max_length - len(suffix)] + suffix
        n += 1
    return slug


@functools.lru_cache(maxsize=256)  # an import asks it of a text three times: its hash, its shingles, its save
def normalise_body(text):
    """The body as it is hashed: NFC, one space between words, no case.

    Two copies of a text that differ only in line wrapping, spacing or case are the same
    text for the archive, so they must hash alike.
    """
    text = unicodedata.normalize("NFC", text or "")
    return re.sub(r"\s+", " ", text).strip().casefold()


def content_hash_of(text):
    return hashlib.sha256(normalise_body(text).encode("utf-8")).hexdigest()


def article_hash(body, title, date_stated="", url=""):
    """An article's identity: its normalised body's hash; for a headline item (no body), its title's, date's and
    URL's, since a recurring headline ("Briefing on the situation") on another day or page is another item.

    `date_stated`: the ISO date at its precision (iso_at_precision).
    """
    if (body or "").strip():
        return content_hash_of(body)
    return content_hash_of("\n".join([title, date_stated, url or ""]).strip())


class NamedBySlug(models.Model):
    """A source or an actor: listed by name, addressed (in URLs and fixtures) by a slug made from it."""

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slugify(self, self.name)
        super().save(*args, **kwargs)

    def natural_key(self):
        return (self.slug,)


def correlated_count(rows, column):
    """The number of `rows` whose `column` is the outer row, as a subquery (0 where there are none).

    A correlated count per row: joining every article and counting DISTINCT took seconds at
    50,000 articles.
    """
    counted = rows.filter(**{column: models.OuterRef("pk")}).order_by().values(column).annotate(n=Count("*"))
    return Coalesce(models.Subquery(counted.values("n")), 0)


class SourceQuerySet(models.QuerySet):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)

    def with_article_counts(self):
        """Each source with `article_count`, its published articles."""
        return self.annotate(article_count=correlated_count(Article.objects.filter(is_published=True), "source"))


class Source(NamedBySlug):
    class Kind(models.TextChoices):
        MINISTRY = "ministry", "Ministry / government"
        INTERNATIONAL = "international", "International organisation"
        NEWS = "news", "News outlet"
        ANALYSIS = "analysis", "Analysis / think tank"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    country = models.CharField(
        max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code of the country it is based in."
    )
    homepage = models.URLField(blank=True)
    domain = models.CharField(max_length=200, blank=True, help_text="e.g. mod.gov.lv; used to attribute imports.")
    description = models.TextField(blank=True)
    signatures = models.TextField(
        blank=True,
        help_text="Lines that sign this source's releases, one per line, e.g. its press office as named in the "
        "contact block. An imported text whose contact or page furniture carries one of them (in any case "
        "or spacing) is attributed to this source.",
    )

    objects = SourceQuerySet.as_manager()
    history = HistoricalRecords()

    def get_absolute_url(self):
        return reverse("archive:source", args=[self.slug])


class ActorQuerySet(models.QuerySet):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)

    def with_article_counts(self):
        """Each actor with `article_count`, the published articles that mention it."""
        mentions = ArticleActor.objects.filter(article__is_published=True)
        return self.annotate(article_count=correlated_count(mentions, "actor"))

    def matching_name(self, text):
        """Actors whose name or any alias contains `text`, in any script and case."""
        return self.filter(Q(name__icontains=text) | Q(aliases__name__icontains=text)).distinct()


class Actor(NamedBySlug):
    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        ORGANISATION = "organisation", "Organisation"
        COUNTRY = "country", "Country"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.CharField(max_length=500, blank=True)
    country = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"kind": "country"},
        help_text="The state a person or body belongs to.",
    )

    objects = ActorQuerySet.as_manager()
    history = HistoricalRecords()

    def get_absolute_url(self):
        return reverse("archive:actor", args=[self.slug])

    def all_names(self):
        """The name and every alias, each once."""
        names = [self.name] + [alias.name for alias in self.aliases.all()]
        return list(dict.fromkeys(names))


class ActorAliasManager(models.Manager):
    def get_by_natural_key(self, actor_slug, name):
        return self.get(actor__slug=actor_slug, name=name)


class ActorAlias(models.Model):
    """Another name for an actor, in any language or script (НАТО, Nato, North Atlantic Treaty Organisation)."""

    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)
    language = models.CharField(max_length=8, blank=True, help_text="ISO 639-1 code, blank if any.")

    objects = ActorAliasManager()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["actor", "name"], name="unique_alias_per_actor")]
        verbose_name_plural = "actor aliases"

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.actor.slug, self.name)

    natural_key.dependencies = ["archive.actor"]


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"
    UNKNOWN = "unknown", "Unknown"


def floor_to_precision(date, precision):
    """The first day of the period `date` lies in."""
    if precision == DatePrecision.MONTH:
        return date.replace(day=1)
    if precision == DatePrecision.YEAR:
        return date.replace(month=1, day=1)
    return date


def period_end(date, precision):
    """The last day of the period `date` lies in."""
    if precision == DatePrecision.MONTH:
        return date.replace(day=calendar.monthrange(date.year, date.month)[1])
    if precision == DatePrecision.YEAR:
        return date.replace(month=12, day=31)
    return date


class ArticleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def dated(self):
        return self.exclude(date_precision=DatePrecision.UNKNOWN)

    def undated(self):
        return self.filter(date_precision=DatePrecision.UNKNOWN)

    def between(self, start=None, end=None):
        """Articles whose dated period overlaps [start, end].

        An article known only to its month (or year) is stored at the period's first
        day, so it overlaps a range that begins later in that same month (or year).
        """
        if start is None and end is None:
            return self.dated()
        overlap = Q()
        for precision in (DatePrecision.DAY, DatePrecision.MONTH, DatePrecision.YEAR):
            period = Q(date_precision=precision)
            if start is not None:
                period &= Q(published_on__gte=floor_to_precision(start, precision))
            if end is not None:
                period &= Q(published_on__lte=end)
            overlap |= period
        return self.filter(overlap)

    def mentioning(self, actor):
        # A semi-join, not a join + DISTINCT over every column (which took seconds at 50,000 articles).
        return self.filter(pk__in=ArticleActor.objects.filter(actor=actor).values("article_id"))

    def spoken_by(self, actor):
        """Texts in which `actor` is the speaker (an address, a speech), as the source's metadata says."""
        speaking = ArticleActor.objects.filter(actor=actor, role=ArticleActor.Role.SPEAKER)
        return self.filter(pk__in=speaking.values("article_id"))

    def only_mentioning(self, actor):
        """Texts that mention `actor` without being theirs to speak."""
        return self.mentioning(actor).exclude(pk__in=self.spoken_by(actor).values("pk"))

    def in_language(self, language):
        return self.filter(language=language)

    def from_source(self, source):
        return self.filter(source=source)

    def chronological(self):
        """Oldest first; undated articles last."""
        return self.order_by(models.F("published_on").asc(nulls_last=True), "published_time", "id")

    def newest_first(self):
        return self.order_by(models.F("published_on").desc(nulls_last=True), "-published_time", "-id")

    def most_about(self, actor):
        """The articles that mention `actor` most often first (then newest): the actor page's relevance."""
        times = ArticleActor.objects.filter(article=models.OuterRef("pk"), actor=actor).values("mention_count")[:1]
        return self.annotate(times_mentioned=models.Subquery(times)).order_by(
            models.F("times_mentioned").desc(nulls_last=True), models.F("published_on").desc(nulls_last=True), "-id"
        )

    def most_actors(self):
        """The articles that name the archive's actors most often first (then newest): a source page's relevance."""
        total = (
            ArticleActor.objects.filter(article=models.OuterRef("pk"))
            .order_by()
            .values("article")
            .annotate(n=models.Sum("mention_count"))
            .values("n")
        )
        return self.annotate(actor_mentions_total=Coalesce(models.Subquery(total), 0)).order_by(
            "-actor_mentions_total", models.F("published_on").desc(nulls_last=True), "-id"
        )

    def headlines(self):
        """Headline items: a source's title and date with no text."""
        return self.filter(body="")

    def language_versions(self, article):
        """The article and every translation of the same text: its original and the original's translations."""
        original_id = article.translation_of_id or article.pk
        return self.filter(Q(pk=original_id) | Q(translation_of_id=original_id)).order_by("language", "pk")


class Article(models.Model):
    title = models.CharField(max_length=500)
    slug = models.SlugField(max_length=200, blank=True, help_text="Made from the title; old slugs still resolve.")
    lede = models.TextField(blank=True, help_text="Standfirst or summary shown under the title.")
    body = models.TextField(
        blank=True, help_text="Plain text; paragraphs separated by a blank line. Empty for a headline item."
    )
    # Not unique: a page's translations, and several texts published under one video, share a URL.
    # NULL for "no URL" is kept from when the field was unique (where NULLs do not collide).
    url = models.URLField(max_length=1000, blank=True, null=True, db_index=True, verbose_name="original URL")  # noqa: DJ001
    translation_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="translations",
        help_text="The original of a text published in another language under the same URL.",
    )
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="articles")
    author = models.CharField(max_length=300, blank=True, help_text="Byline as given.")
    section = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=8, help_text="ISO 639-1 code, e.g. en, ru, lv.")

    published_on = models.DateField(
        null=True, blank=True, help_text="First day of the period the date is known to (empty when unknown)."
    )
    published_time = models.TimeField(null=True, blank=True, help_text="Time of day, where the text states it.")
    date_precision = models.CharField(max_length=10, choices=DatePrecision.choices, default=DatePrecision.UNKNOWN)
    date_note = models.CharField(max_length=500, blank=True, help_text="How the date was established.")

    captions = models.TextField(blank=True, help_text="Image captions and credits, kept apart from the body.")
    contact = models.TextField(blank=True, help_text="Press contact block, kept apart from the body.")

    actors = models.ManyToManyField(Actor, through="ArticleActor", related_name="articles", blank=True)
    content_hash = models.CharField(max_length=64, unique=True, editable=False)
    near_duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="near_duplicates",
        help_text="The original of a republished (slightly edited) text.",
    )
    captured_at = models.DateTimeField(null=True, blank=True, help_text="When the archive captured the text.")
    provenance = models.CharField(max_length=1000, blank=True, help_text="Where the text was imported from.")

    is_published = models.BooleanField(default=True)
    actors_set_by_hand = models.BooleanField(
        default=False,
        help_text="Keep the actor tags as an editor set them. Unticked, every save tags the actors the text names.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ArticleQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["content_hash"])

    class Meta:
        ordering = ["-published_on", "-id"]
        indexes = [models.Index(fields=["published_on", "date_precision"]), models.Index(fields=["language"])]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        old_slug = self.slug
        self.set_hash_and_slug()
        if old_slug and old_slug != self.slug and self.pk:
            ArticleSlug.objects.get_or_create(article_id=self.pk, slug=old_slug)
        adding = self._state.adding
        super().save(*args, **kwargs)
        from archive.ingest.dedupe import remember  # the near-duplicate keys are written with the article

        remember(self, adding, getattr(self, "minhash", None))

    def get_absolute_url(self):
        return reverse("archive:article", args=[self.pk, self.slug or "article"])

    def clean(self):
        super().clean()
        self._clean_date()

    def validate_unique(self, exclude=None):
        """Also the body, by its hash: content_hash is only computed on save, so its own unique check cannot
        see a new text. Here, rather than in clean(), an importer that has just looked the hash up skips it."""
        errors = {}
        try:
            super().validate_unique(exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        duplicate = None if "body" in (exclude or ()) else self.duplicate_of_existing()
        if duplicate is not None:
            message = f"This text is already in the archive as “{duplicate.title}” (article #{duplicate.pk})."
            errors.setdefault("body", []).append(message)
        if errors:
            raise ValidationError(errors)

    def _clean_date(self):
        if self.date_precision == DatePrecision.UNKNOWN:
            if self.published_on is not None:
                raise ValidationError({"date_precision": "A date is given: say how precise it is."})
        elif self.published_on is None:
            raise ValidationError({"published_on": "Give the date, or set the precision to unknown."})
        elif self.published_on != floor_to_precision(self.published_on, self.date_precision):
            raise ValidationError(
                {"published_on": f"A date known to the {self.date_precision} is stored as that period's first day."}
            )
        if self.published_time is not None and self.date_precision != DatePrecision.DAY:
            raise ValidationError({"published_time": "A time of day needs a date known to the day."})

    def duplicate_of_existing(self):
        """The other article with the same normalised body, if there is one."""
        return Article.objects.exclude(pk=self.pk).filter(content_hash=self.identity_hash()).first()

    def set_hash_and_slug(self):
        """What a save stores from the text and the title (an import's bulk insert sets them so too)."""
        self.content_hash = self.identity_hash()
        self.slug = slugify(anyascii(self.title))[:200] or "article"  # transliterated, as sources and actors are

    def identity_hash(self):
        stated = iso_at_precision(self.published_on, self.date_precision)
        return article_hash(self.body, self.title, stated, self.url)

    @property
    def date_display(self):
        """The date at the precision it is known to: 28 Nov 2018, December 2021, 2022, or 'date unknown'."""
        return format_date_at_precision(self.published_on, self.date_precision)

    @property
    def is_headline(self):
        """A headline item: the source gave a title and a date, no text."""
        return not self.body.strip()

    def language_versions(self):
        """This text in every language the archive holds it in, this article included."""
        return Article.objects.language_versions(self)

    @property
    def paragraphs(self):
        return [p.strip() for p in re.split(r"\n\s*\n", self.body) if p.strip()]


def format_date_at_precision(date, precision):
    if date is None or precision == DatePrecision.UNKNOWN:
        return "date unknown"
    if precision == DatePrecision.YEAR:
        return f"{date.year}"
    if precision == DatePrecision.MONTH:
        return date.strftime("%B %Y")
    return f"{date.day} {date.strftime('%b %Y')}"


def iso_at_precision(date, precision):
    """2021-12-01, 2021-12 or 2021: the ISO date cut to what is known (empty when unknown)."""
    if date is None or precision == DatePrecision.UNKNOWN:
        return ""
    return date.isoformat()[: ISO_LENGTH_AT_PRECISION[precision]]


ISO_LENGTH_AT_PRECISION = {DatePrecision.DAY: 10, DatePrecision.MONTH: 7, DatePrecision.YEAR: 4}


class ArticleSlug(models.Model):
    """A slug an article had before its title was edited, so old links still resolve."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="old_slugs")
    slug = models.SlugField(max_length=200)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "slug"], name="unique_old_slug")]

    def __str__(self):
        return self.slug


class ArticleActor(models.Model):
    class Role(models.TextChoices):
        MENTION = "mention", "Mentioned"
        SPEAKER = "speaker", "Speaker"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="actor_mentions")
    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="article_mentions")
    mention_count = models.PositiveIntegerField(default=1)
    role = models.CharField(
        max_length=10,
        choices=Role.choices,
        default=Role.MENTION,
        db_index=True,
        help_text="Speaker: the source's metadata names the actor as the one speaking (an address, a speech).",
    )

    class Meta:
        ordering = ["-mention_count", "actor__name"]
        constraints = [models.UniqueConstraint(fields=["article", "actor"], name="unique_actor_per_article")]

    def __str__(self):
        return f"{self.actor} ×{self.mention_count}"


class NearDuplicateKeys(models.Model):
    """An article's MinHash signature and its LSH band keys (archive/ingest/dedupe.py), written with the
    article, so a near-duplicate check is one indexed look-up per band instead of a scan of every body."""

    article = models.OneToOneField(Article, on_delete=models.CASCADE, primary_key=True, related_name="+")
    content_hash = models.CharField(max_length=64, help_text="The body these keys were computed from.")
    minhash = models.BinaryField(help_text="The signature's hash values (uint64, little-endian).")
    band_0 = models.BigIntegerField(db_index=True)
    band_1 = models.BigIntegerField(db_index=True)
    band_2 = models.BigIntegerField(db_index=True)
    band_3 = models.BigIntegerField(db_index=True)
    band_4 = models.BigIntegerField(db_index=True)

    class Meta:
        verbose_name_plural = "near-duplicate keys"

    def __str__(self):
        return f"near-duplicate keys of article {self.article_id}"


class IndexTask(models.Model):
    """One pending change to the search index (transactional outbox).

    The row is written in the same transaction as the article change, so a change that
    commits always leaves a task behind and a rolled-back one never does. Tasks are
    applied after commit; a task that fails (index locked, disk full, engine down) stays
    here and is retried by the next drain, so no update or delete is silently dropped.
    """

    class Action(models.TextChoices):
        UPDATE = "update", "Update"
        DELETE = "delete", "Delete"

    class Priority(models.IntegerChoices):
        # Lower first: an editor's change is applied before a bulk import's backlog.
        EDITOR = 0, "Editor"
        BULK = 10, "Bulk import"

    article_id = models.PositiveIntegerField(db_index=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.EDITOR)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    not_before = models.DateTimeField(default=datetime.datetime.min.replace(tzinfo=datetime.UTC))

    class Meta:
        ordering = ["priority", "id"]
        indexes = [models.Index(fields=["priority", "id"], name="indextask_priority_order")]

    def __str__(self):
        return f"{self.action} article {self.article_id}"


class EventQuerySet(models.QuerySet):
    def overlapping(self, first, last):
        """Events whose period shares at least a day with [first, last]."""
        return self.filter(date__lte=last, end_date__gte=first)


class Event(models.Model):
    """Something that happened, curated by editors and marked on every timeline its period falls in."""

    name = models.CharField(max_length=200)
    date = models.DateField(
        help_text="The first day; for an event known to the month or year, that period's first day."
    )
    date_precision = models.CharField(
        max_length=10,
        choices=[choice for choice in DatePrecision.choices if choice[0] != DatePrecision.UNKNOWN],
        default=DatePrecision.DAY,
    )
    end_date = models.DateField(
        null=True, blank=True, help_text="The last day of a range; leave empty for a single day, month or year."
    )
    actors = models.ManyToManyField(Actor, related_name="events", blank=True)
    description = models.CharField(max_length=500, blank=True)
    link = models.URLField(max_length=1000, blank=True, help_text="Where to read more.")

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["date", "name"]

    def __str__(self):
        return f"{self.name} ({self.date_display})"

    def save(self, *args, **kwargs):
        if self.end_date is None:
            self.end_date = period_end(self.date, self.date_precision)
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.date is None:
            return
        if self.date != floor_to_precision(self.date, self.date_precision):
            raise ValidationError(
                {"date": f"An event known to the {self.date_precision} starts on that period's first day."}
            )
        if self.end_date is not None and self.end_date < self.date:
            raise ValidationError({"end_date": "The end is before the start."})

    @property
    def start(self):
        return self.date

    @property
    def end(self):
        return self.end_date or period_end(self.date, self.date_precision)

    @property
    def date_display(self):
        """30 Nov – 1 Dec 2021, March 2014, 2014."""
        start = format_date_at_precision(self.date, self.date_precision)
        if self.end == period_end(self.date, self.date_precision):
            return start
        if self.date_precision != DatePrecision.DAY:
            return f"{start} – {format_date_at_precision(self.end, DatePrecision.DAY)}"
        if self.date.year == self.end.year:
            start = f"{self.date.day} {self.date:%b}" if self.date.month != self.end.month else str(self.date.day)
        return f"{start} – {format_date_at_precision(self.end, DatePrecision.DAY)}"


def new_feed_token():
    return secrets.token_urlsafe(24)


class SavedSearchQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True, user__is_active=True)


class SavedSearch(models.Model):
    """A search a reader comes back to: its query string, a private feed, and email alerts.

    `query` is the search page's query string (q, filters, dates, sort), so the saved search
    is exactly the page the reader saw, and every engine and future form field reads it alike.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches")
    name = models.CharField(max_length=200)
    query = models.CharField(max_length=2000, blank=True, help_text="The search page's query string.")
    is_active = models.BooleanField(default=True, help_text="Paused searches send no alerts.")
    feed_token = models.CharField(max_length=64, unique=True, default=new_feed_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Articles added to the archive after this moment are new to the reader; it moves on
    # only when an alert was delivered, so a failed send is retried next run.
    alerted_up_to = models.DateTimeField(default=timezone.now)

    objects = SavedSearchQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    def get_search_url(self):
        return reverse("archive:search") + (f"?{self.query}" if self.query else "")

    def get_feed_url(self):
        return reverse("archive:saved-search-feed", args=[self.feed_token])

    def revoke_feed(self):
        """A new token: the old feed address stops working at once."""
        self.feed_token = new_feed_token()
        self.save(update_fields=["feed_token"])


class AlertDelivery(models.Model):
    """One digest entry sent: which saved search, which articles, when. A rerun consults it."""

    saved_search = models.ForeignKey(SavedSearch, on_delete=models.CASCADE, related_name="deliveries")
    sent_at = models.DateTimeField(auto_now_add=True)
    recipient = models.EmailField()
    article_ids = models.JSONField(default=list)
    up_to = models.DateTimeField(help_text="Articles added up to this moment were considered.")

    class Meta:
        ordering = ["-sent_at"]
        verbose_name_plural = "alert deliveries"

    def __str__(self):
        return f"{self.saved_search} → {self.recipient}: {len(self.article_ids)} articles"


class Concept(models.Model):
    """A security-policy idea (sanctions, ceasefire, air defence) named in every archive language.

    An "all languages" search expands a query word that names a concept to its terms in
    every language (archive/search/concepts.py). The data lives in fixtures/concept_registry.
    """

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    description = models.CharField(max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ConceptTerm(models.Model):
    """One way a concept is written in one language: a base term or an inflected form a text uses."""

    concept = models.ForeignKey(Concept, on_delete=models.CASCADE, related_name="terms")
    language = models.CharField(max_length=8, help_text="ISO 639-1 code.")
    term = models.CharField(max_length=200)

    class Meta:
        ordering = ["language", "term"]
        constraints = [
            models.UniqueConstraint(fields=["concept", "language", "term"], name="unique_term_per_concept_language")
        ]

    def __str__(self):
        return f"{self.term} ({self.language})"
