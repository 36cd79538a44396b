"""The Content Security Policy holds in a real browser: our pages and the admin run without
a single violation, and the admin's own scripts (inline forms, "add another") still work."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def violations(page):
    seen = []
    page.on("console", lambda message: seen.append(message.text) if "Content Security Policy" in message.text else None)
    return seen


def test_pages_and_admin_run_under_the_policy(page, seed_content, violations, screenshot):
    for path in ["/", "/search/?q=nato", "/articles/3/"]:
        response = page.goto(path)
        assert "default-src 'self'" in response.headers["content-security-policy"]
        expect(page.locator("main")).not_to_be_empty()
    User.objects.create_superuser("chief", password="a-long-chief-password")
    page.goto("/admin/login/")
    page.locator("#id_username").fill("chief")
    page.locator("#id_password").fill("a-long-chief-password")
    page.locator("input[type=submit]").click()
    expect(page.locator("#site-name")).to_be_visible()
    page.goto("/admin/archive/article/add/")
    add_mention = page.locator(".add-row a")  # written by the admin's inlines.js: scripts ran
    expect(add_mention).to_be_visible()
    mention_forms = page.locator("tr.dynamic-actor_mentions, div.dynamic-actor_mentions")
    before = mention_forms.count()
    add_mention.click()
    expect(mention_forms).to_have_count(before + 1)
    screenshot("admin-add-article-under-csp")
    page.goto("/admin/archive/article/?q=nato")
    expect(page.locator("#result_list")).to_be_visible()
    assert violations == []
