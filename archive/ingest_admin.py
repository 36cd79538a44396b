"""Editors' ingest tools in the admin: add an article from pasted text or HTML, re-tag and re-index in bulk.

The paste page runs the same extraction as import_articles, then shows the article form
pre-filled; nothing is saved until the editor has checked it and confirmed.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from archive.ingest.actors import article_text
from archive.ingest.dedupe import original_of
from archive.ingest.extract import draft_from
from archive.ingest.pipeline import find_existing_source, known_sources
from archive.ingest.readers import RawRecord, UnreadableInput
from archive.ingest.tagging import current_tagger, retag
from archive.models import Actor, Article, ArticleActor, IndexTask
from archive.search.outbox import enqueue

DRAFT_FIELDS = ["title", "lede", "body", "source", "author", "section", "language", "url", "published_on",
                "date_precision", "published_time", "date_note", "captions", "contact", "provenance"]  # fmt: skip


class PasteForm(forms.Form):
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 18, "cols": 100}),
        label="Text or HTML",
        help_text="Paste the whole page: navigation, captions and contact blocks are sorted out.",
    )
    url = forms.URLField(required=False, assume_scheme="https", label="Original URL")


def https_urls(field, **kwargs):
    """A pasted address without a scheme is meant as https, as in the article admin."""
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class DraftArticleForm(forms.ModelForm):
    """The article as extracted; the actors offered are those found in the text (more can be added after saving)."""

    actors = forms.ModelMultipleChoiceField(
        Actor.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Found in the text, with mentions counted on save. Untick any that are wrong.",
    )  # fmt: skip
    offered_actors = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Article
        fields = DRAFT_FIELDS
        formfield_callback = https_urls
        widgets = {
            "title": forms.TextInput(attrs={"class": "vTextField", "size": 100}),
            "body": forms.Textarea(attrs={"rows": 24, "cols": 100, "class": "vLargeTextField"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offered = self.data.get("offered_actors") if self.is_bound else self.initial.get("offered_actors", "")
        ids = [int(pk) for pk in str(offered or "").split(",") if pk.strip().isdigit()]
        self.fields["actors"].queryset = Actor.objects.filter(pk__in=ids)


def looks_like_html(text):
    head = text.lstrip()[:500].lower()
    return head.startswith("<") and ("<html" in head or "<body" in head or "<p" in head or "<!doctype" in head)


def extracted_initial(text, url):
    """Form values from the pasted text; raises UnreadableInput when there is no article in it."""
    kind = {"html": text} if looks_like_html(text) else {"text": text}
    raw = RawRecord(origin="pasted text", url=url or "", provenance="pasted by an editor", **kind)
    draft = draft_from(raw, known_sources=known_sources())
    initial = {name: value for name, value in draft.fields.items() if name in DRAFT_FIELDS}
    source = find_existing_source(draft.source)
    initial["source"] = source.pk if source else None
    mentions = current_tagger().mentions(article_text(draft.fields), draft.fields.get("language"), source)
    initial["actors"] = list(mentions)
    initial["offered_actors"] = ",".join(map(str, initial["actors"]))
    notes = [] if source or not draft.source.name else [f"New source “{draft.source.name}”: add it, then choose it."]
    return initial, notes


def save_draft(form, user):
    """Save the confirmed article with its near-duplicate link and its actors, tagged in the saved text as an
    import tags them; if the editor unticked any of the actors offered, the ticked ones are kept instead, as
    the editor's choice that later saves keep too."""
    article = form.save(commit=False)
    article.created_by = user
    article.near_duplicate_of_id, _ = original_of(article.body)
    counts = current_tagger().mentions(article_text(form.cleaned_data), article.language, article.source)
    chosen = {actor.pk for actor in form.cleaned_data["actors"]}
    offered = {int(pk) for pk in form.cleaned_data["offered_actors"].split(",") if pk.strip().isdigit()}
    article.actors_set_by_hand = chosen != offered
    article.save()
    tags = {pk: counts.get(pk, 1) for pk in chosen} if article.actors_set_by_hand else counts
    ArticleActor.objects.bulk_create(
        [ArticleActor(article=article, actor_id=actor_id, mention_count=count) for actor_id, count in tags.items()]
    )
    return article


class IngestAdminMixin:
    """Mixed into ArticleAdmin: the paste page and two bulk actions."""

    actions = ["retag_actors", "reindex"]

    def get_urls(self):
        view = self.admin_site.admin_view(self.add_from_text_view)
        return [path("add-from-text/", view, name="archive_article_add_from_text"), *super().get_urls()]

    def add_from_text_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "opts": self.model._meta}
        context["title"] = "Add article from text or HTML"
        paste, draft, notes = PasteForm(), None, []
        if request.method == "POST" and "extract" in request.POST:
            paste = PasteForm(request.POST)
            if paste.is_valid():
                try:
                    initial, notes = extracted_initial(paste.cleaned_data["text"], paste.cleaned_data["url"])
                    draft = DraftArticleForm(initial=initial)
                except UnreadableInput as error:
                    paste.add_error("text", f"No article found: {error}.")
        elif request.method == "POST":
            draft = DraftArticleForm(request.POST)
            if draft.is_valid():
                with transaction.atomic():
                    article = save_draft(draft, request.user)
                self.message_user(request, f"Added “{article.title}”.", messages.SUCCESS)
                return redirect(reverse("admin:archive_article_change", args=[article.pk]))
        context.update(paste=paste, draft=draft, notes=notes)
        return TemplateResponse(request, "admin/archive/article/add_from_text.html", context)

    @admin.action(description="Re-run actor tagging on the selected articles", permissions=["change"])
    def retag_actors(self, request, queryset):
        """An editor's explicit request: hand-set tags are replaced too, and later saves tag automatically."""
        tagger, changed = current_tagger(), 0
        for article in queryset.select_related("source"):
            with transaction.atomic():
                if retag(article, tagger):
                    enqueue(article.pk, IndexTask.Action.UPDATE)
                    changed += 1
        queryset.filter(actors_set_by_hand=True).update(actors_set_by_hand=False)
        self.message_user(request, f"Re-tagged {queryset.count()} articles; {changed} changed.", messages.SUCCESS)

    @admin.action(description="Re-index the selected articles", permissions=["change"])
    def reindex(self, request, queryset):
        with transaction.atomic():
            for pk in queryset.values_list("pk", flat=True):
                enqueue(pk, IndexTask.Action.UPDATE)
        self.message_user(request, f"Queued {queryset.count()} articles for re-indexing.", messages.SUCCESS)
