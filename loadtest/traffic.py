"""The traffic of the load run: readers' queries, an editor working through the admin, and
the checks that a save becomes searchable and a delete disappears."""

import asyncio
import random
import re
import string
import sys
import time
from html import unescape

import httpx

SEARCHABLE_WITHIN = 5.0


# Seconds between searches for a saved or deleted article. A save counts as searchable when the
# search that finds it has answered, so this bounds how late the figure may be: at 0.5 it added
# up to half a second to save→searchable, as much as the indexer's own polling.
CHECK_EVERY = 0.25


QUERIES = [
    {"q": "nato"},
    {"q": "baltic security"},
    {"q": '"arms control"'},
    {"q": "sanction*"},
    {"q": "missile OR drones"},
    {"q": "nato -russia", "sort": "newest"},
    {"q": "treaty", "lang": "en"},
    {"q": "estonia", "year": "2019"},
    {"q": "exercise", "page": "2"},
    {"q": "", "sort": "oldest"},
    {"q": "title:report"},
    {"q": "date:[2016 TO 2018] border"},
]


TITLE_LINK = re.compile(r'class="result-title" href="/articles/(\d+)/')


def say(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000, 1)


class Stats:
    def __init__(self):
        self.reads = []
        self.saves = []
        self.status_5xx = []
        self.requests = 0
        self.not_searchable = []
        self.undead = []
        self.save_delays = []
        self.deleted = []
        self.drafts_lost = []  # pasted texts the editor could not save through "add from text"
        self.transport_errors = []  # timeouts and refused connections: failures, like a 5xx

    def record(self, response, elapsed, bucket):
        self.requests += 1
        bucket.append(elapsed)
        if response.status_code >= 500:
            self.status_5xx.append(f"{response.status_code} {response.request.method} {response.request.url}")


class Editor:
    """An editor in the admin: saves an article and later deletes it, through real forms."""

    def __init__(self, client, password, stats):
        self.client, self.password, self.stats = client, password, stats
        self.token = ""

    async def sign_in(self):
        await self.client.get("/admin/login/")
        self.token = self.client.cookies["csrftoken"]
        response = await self.client.post(
            "/admin/login/",
            data={"username": "loadeditor", "password": self.password, "csrfmiddlewaretoken": self.token},
        )
        if response.status_code != 302:
            raise RuntimeError(f"admin sign-in failed: {response.status_code}")
        self.token = self.client.cookies["csrftoken"]

    async def save(self, word, source_id):
        started = time.perf_counter()
        try:
            response = await self.client.post(
                "/admin/archive/article/add/", data=article_form(word, source_id, self.token)
            )
        except httpx.HTTPError as error:
            self.stats.transport_errors.append(f"{error!r} saving {word}")
            return None
        self.stats.record(response, time.perf_counter() - started, self.stats.saves)
        match = re.search(r"/admin/archive/article/(\d+)/change/", response.headers.get("location", ""))
        return int(match.group(1)) if response.status_code == 302 and match else None

    async def save_from_text(self, word, source_id):
        """Paste a page on "Add article from text or HTML", confirm the extracted draft as it comes (source
        chosen), and return the new article's id; None, and a lost draft recorded, when it is not saved."""
        started = time.perf_counter()
        try:
            page = await self.client.post(PASTE_PAGE, data={"csrfmiddlewaretoken": self.token, "extract": "1",
                                                            "text": pasted_page(word), "url": ""})  # fmt: skip
            self.stats.record(page, time.perf_counter() - started, self.stats.saves)
            form = draft_form(page.text, source_id, self.token) if page.status_code == 200 else None
            if form is None:
                self.stats.drafts_lost.append(f"{word}: extraction answered {page.status_code}")
                return None
            started = time.perf_counter()
            response = await self.client.post(PASTE_PAGE, data=form)
        except httpx.HTTPError as error:
            self.stats.transport_errors.append(f"{error!r} pasting {word}")
            self.stats.drafts_lost.append(f"{word}: {error!r}")
            return None
        self.stats.record(response, time.perf_counter() - started, self.stats.saves)
        match = re.search(r"/admin/archive/article/(\d+)/change/", response.headers.get("location", ""))
        if response.status_code != 302 or not match:
            self.stats.drafts_lost.append(f"{word}: confirming answered {response.status_code}")
            return None
        return int(match.group(1))

    async def delete(self, pk):
        started = time.perf_counter()
        try:
            response = await self.client.post(
                f"/admin/archive/article/{pk}/delete/", data={"post": "yes", "csrfmiddlewaretoken": self.token}
            )
        except httpx.HTTPError as error:
            self.stats.transport_errors.append(f"{error!r} deleting {pk}")
            return False
        self.stats.record(response, time.perf_counter() - started, self.stats.saves)
        return response.status_code == 302


def article_form(word, source_id, csrf_token):
    return {
        "csrfmiddlewaretoken": csrf_token,
        "title": f"Load test article {word}",
        "lede": "",
        "body": f"An editor saved this while readers searched. Marker {word}. NATO and Baltic security.",
        "source": str(source_id),
        "language": "en",
        "published_on": "2024-05-04",
        "date_precision": "day",
        "is_published": "on",
        "actor_mentions-TOTAL_FORMS": "0",
        "actor_mentions-INITIAL_FORMS": "0",
        "actor_mentions-MIN_NUM_FORMS": "0",
        "actor_mentions-MAX_NUM_FORMS": "1000",
        "_continue": "Save and continue editing",
    }


PASTE_PAGE = "/admin/archive/article/add-from-text/"
DRAFT_FIELDS = ("title", "lede", "body", "author", "section", "language", "url", "published_on", "published_time",
                "date_precision", "date_note", "captions", "contact", "provenance", "offered_actors")  # fmt: skip


def pasted_page(word):
    """A press release as an editor pastes it: title, date line, body naming a few actors, contact block."""
    return (
        f"Defence ministers agree on air defence {word}\n\n"
        "Published 4 May 2024\n\n"
        f"NATO defence ministers met in Riga on Friday and agreed to strengthen air defence of the Baltic states. "
        f"Russia's build-up near the border was discussed, the ministry said. Marker {word}.\n\n"
        "The ministers also agreed to meet again in Vilnius before the summit, where arms control and "
        "the support for Ukraine will be on the agenda.\n"
    )


def draft_form(html, source_id, csrf_token):
    """The extracted draft's fields as the paste page pre-filled them, the offered actors all ticked."""
    if 'name="offered_actors"' not in html:
        return None
    form = {"csrfmiddlewaretoken": csrf_token, "source": str(source_id), "confirm": "1"}
    for name in DRAFT_FIELDS:
        value = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
            rf'<textarea name="{name}"[^>]*>\s*(.*?)</textarea>', html, re.S
        )
        form[name] = unescape(value.group(1)) if value else ""
    selected = re.search(r'<select name="date_precision".*?<option value="(\w+)" selected>', html, re.S)
    form["date_precision"] = selected.group(1) if selected else "unknown"
    form["actors"] = re.findall(r'<input type="checkbox" name="actors" value="(\d+)"[^>]*checked', html)
    return form


def marker_word():
    return "zq" + "".join(random.choice(string.ascii_lowercase) for _ in range(10))


async def hits_for(client, word, stats):
    started = time.perf_counter()
    try:
        response = await client.get("/search/", params={"q": word})
    except httpx.HTTPError as error:
        stats.transport_errors.append(f"{error!r} searching {word}")
        return None
    stats.record(response, time.perf_counter() - started, stats.reads)
    return TITLE_LINK.findall(response.text) if response.status_code == 200 else None


async def wait_until(client, word, stats, present, timeout):
    """Seconds until `word` is (or is no longer) searchable, or None after `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        hits = await hits_for(client, word, stats)
        elapsed = time.monotonic() - started
        if hits is not None and bool(hits) == present:
            return elapsed if elapsed <= timeout else None  # seen, but too late
        await asyncio.sleep(CHECK_EVERY)
    return None
