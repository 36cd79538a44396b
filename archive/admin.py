"""The editors' admin: list, filter, search, autocomplete, and every change kept in history."""

from django.contrib import admin
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

from archive.forms import EventForm
from archive.ingest.tagging import retag
from archive.ingest_admin import IngestAdminMixin
from archive.models import (
    Actor,
    ActorAlias,
    Article,
    ArticleActor,
    Concept,
    ConceptTerm,
    Event,
    IndexTask,
    SavedSearch,
    Source,
)

# A pasted address without a scheme is meant as https (Django 6's default).
HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Source)
class SourceAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "country", "domain"]
    list_editable = ["kind"]  # imports infer a new source's kind (ingest/source_kinds.py); editors correct it here
    list_filter = ["kind", "country"]
    search_fields = ["name", "domain"]
    prepopulated_fields = {"slug": ["name"]}
    formfield_overrides = HTTPS_URLS


class ActorAliasInline(admin.TabularInline):
    model = ActorAlias
    extra = 1


@admin.register(Actor)
class ActorAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "country"]
    list_filter = ["kind"]
    search_fields = ["name", "aliases__name", "description"]
    autocomplete_fields = ["country"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ActorAliasInline]


class ConceptTermInline(admin.TabularInline):
    model = ConceptTerm
    extra = 1


@admin.register(Concept)
class ConceptAdmin(SimpleHistoryAdmin):
    """The concept registry that "all languages" search expands a query with; a save takes effect at once."""

    list_display = ["name", "slug", "description"]
    search_fields = ["name", "slug", "terms__term"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ConceptTermInline]


class ArticleActorInline(admin.TabularInline):
    model = ArticleActor
    autocomplete_fields = ["actor"]
    fields = ["actor", "role", "mention_count"]
    extra = 1


@admin.register(Article)
class ArticleAdmin(IngestAdminMixin, SimpleHistoryAdmin):
    list_display = ["title", "source", "published_on", "date_precision", "language", "updated_at"]
    list_filter = ["source__kind", "language", "date_precision", "is_published", "source"]
    search_fields = ["title", "body", "author", "url"]
    date_hierarchy = "published_on"
    autocomplete_fields = ["source", "near_duplicate_of", "translation_of"]
    readonly_fields = ["content_hash", "created_at", "updated_at", "created_by"]
    inlines = [ArticleActorInline]
    formfield_overrides = HTTPS_URLS
    fieldsets = [
        (None, {"fields": ["title", "lede", "body", "source", "author", "section", "language", "url"]}),
        ("Date", {"fields": ["published_on", "date_precision", "published_time", "date_note"]}),
        ("Kept apart from the body", {"fields": ["captions", "contact"], "classes": ["collapse"]}),
        ("Actors", {"fields": ["actors_set_by_hand"]}),
        (
            "Provenance",
            {"fields": ["near_duplicate_of", "translation_of", "captured_at", "provenance", "is_published",
                        "content_hash", "created_by", "created_at", "updated_at"]},
        ),
    ]  # fmt: skip

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        """Tag the actors the saved text names, as an import does, unless an editor set them by hand: changing
        the actor rows in this form counts as that, and keeps them so on later saves."""
        super().save_related(request, form, formsets, change)
        article = form.instance
        if any(formset.model is ArticleActor and formset.has_changed() for formset in formsets):
            if not article.actors_set_by_hand:
                Article.objects.filter(pk=article.pk).update(actors_set_by_hand=True)
                article.actors_set_by_hand = True
        elif not article.actors_set_by_hand:
            retag(article)


@admin.register(IndexTask)
class IndexTaskAdmin(admin.ModelAdmin):
    """Read-only view of index changes still waiting to be applied (normally empty)."""

    list_display = ["article_id", "action", "created_at", "attempts", "last_error"]
    readonly_fields = [field.name for field in IndexTask._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Events are marked on the timelines they concern (archive/events.py) whose span they fall in."""

    form = EventForm
    list_display = ["name", "date", "end_date", "date_precision"]
    list_filter = ["date_precision"]
    search_fields = ["name", "description"]
    date_hierarchy = "date"
    autocomplete_fields = ["actors"]
    formfield_overrides = HTTPS_URLS
    fields = ["name", "when", "until", "actors", "description", "link"]


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    """Readers manage their own searches at /searches/; here an admin can see and pause them."""

    list_display = ["name", "user", "is_active", "alerted_up_to"]
    list_filter = ["is_active"]
    search_fields = ["name", "query", "user__username", "user__email"]
    readonly_fields = ["feed_token", "created_at"]
    raw_id_fields = ["user"]
