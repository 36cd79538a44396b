"""Saved searches: keep a search, follow an actor or a source, rename, pause, delete, revoke a feed."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from archive.alerts import saved_query
from archive.feeds import SearchFeed
from archive.forms import SavedSearchForm
from archive.models import SavedSearch

READERS_GROUP = "Readers"


def can_save_searches(user):
    return user.is_authenticated and (user.is_staff or user.groups.filter(name=READERS_GROUP).exists())


def reader_required(view):
    """Signed-in staff or Readers; anyone else is sent to sign in (or told they may not)."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_save_searches(request.user):
            raise PermissionDenied("Saved searches are for readers with an account; ask an administrator for one.")
        return view(request, *args, **kwargs)

    return checked


@reader_required
def saved_searches(request):
    """GET: my saved searches. POST: save one (the search page's button, or Follow on an actor or source)."""
    if request.method == "POST":
        form = SavedSearchForm(request.POST)
        if form.is_valid():
            query = saved_query(QueryDict(form.cleaned_data["query"]))
            saved = SavedSearch.objects.create(user=request.user, name=form.cleaned_data["name"], query=query)
            messages.success(request, f"Saved “{saved.name}”. New articles will come in your alerts and its feed.")
            return redirect("archive:saved-searches")
        return render(request, "searches/list.html", {"searches": _mine(request), "form": form}, status=400)
    return render(request, "searches/list.html", {"searches": _mine(request)})


def _mine(request):
    return SavedSearch.objects.filter(user=request.user)


@require_POST
@reader_required
def change_saved_search(request, pk):
    saved = get_object_or_404(SavedSearch, pk=pk, user=request.user)
    action = request.POST.get("action")
    if action == "rename":
        form = SavedSearchForm({"name": request.POST.get("name", ""), "query": saved.query})
        if not form.is_valid():
            messages.error(request, "A saved search needs a name of 1–200 characters.")
            return redirect("archive:saved-searches")
        saved.name = form.cleaned_data["name"]
        saved.save(update_fields=["name"])
    elif action in {"pause", "resume"}:
        saved.is_active = action == "resume"
        saved.save(update_fields=["is_active"])
    elif action == "revoke":
        saved.revoke_feed()
    elif action == "delete":
        saved.delete()
    else:
        messages.error(request, "Unknown action.")
        return redirect("archive:saved-searches")
    messages.success(request, SUCCESS_MESSAGES[action].format(name=saved.name))
    return redirect("archive:saved-searches")


SUCCESS_MESSAGES = {
    "rename": "Renamed to “{name}”.",
    "pause": "Paused “{name}”: no alerts until you resume it.",
    "resume": "Resumed “{name}”.",
    "revoke": "“{name}” has a new feed address; the old one no longer works.",
    "delete": "Deleted “{name}”.",
}


class SavedSearchFeed(SearchFeed):
    """The private feed of one saved search, addressed by its unguessable token (no session needed)."""

    def get_object(self, request, token):
        self.saved = get_object_or_404(SavedSearch, feed_token=token)
        return self.search_for(QueryDict(self.saved.query))

    def title(self, obj):
        return f"{self.saved.name} – Security Press Archive"

    def link(self, obj):
        return self.saved.get_search_url()

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex"  # the token is the password: keep the address out of search engines
        response["Cache-Control"] = "private"
        return response
