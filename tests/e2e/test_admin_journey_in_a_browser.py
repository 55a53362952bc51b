"""The admin's journey in Chromium: two users register, one of them listed in ``AdminEmails``;
the admin finds both, opens a registration's trace and sees its flow drawn; the other user is
refused the admin pages."""

from __future__ import annotations

import re
import time
import uuid

import pytest

from .conftest import ADMIN_EMAIL

PASSWORD = "correct horse battery"
FLOW = ["Register", "Registered", "Send", "Sent", "RegistrationEmailSent"]


def register(page, site, email: str) -> None:
    page.goto(site.api_url + "/register")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Register").click()
    page.wait_for_url("**/register/registration-complete")


def log_in(page, site, email: str) -> None:
    page.goto(site.api_url + "/auth/log-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(site.api_url.rstrip("/") + "/")


def reload_until(page, pattern: str, timeout: float = 15.0) -> None:
    """Admin views are eventually consistent: reload until ``pattern`` is on the page."""
    deadline = time.monotonic() + timeout
    while not re.search(pattern, page.get_by_role("main").inner_text()):
        assert time.monotonic() < deadline, f"{pattern!r} never appeared on {page.url}"
        time.sleep(0.2)
        page.reload()


@pytest.mark.slow
def test_the_admin_finds_users_and_sees_a_registrations_flow(site, browser):
    other = f"ola-{uuid.uuid4().hex[:8]}@example.com"
    admin_context, user_context = browser.new_context(), browser.new_context()
    try:
        admin, user = admin_context.new_page(), user_context.new_page()
        for page in (admin, user):
            page.set_default_timeout(30_000)
        register(admin, site, ADMIN_EMAIL)
        register(user, site, other)
        site.wait_idle(timeout=60)  # the welcome emails sent, the trace complete

        # the other user is not an admin: no link, and the pages say so
        log_in(user, site, other)
        assert user.get_by_role("link", name="Admin").count() == 0
        response = user.goto(site.api_url + "/admin/users")
        assert response.status == 403
        assert "for the site's administrators" in user.get_by_role("main").inner_text()

        log_in(admin, site, ADMIN_EMAIL)
        admin.get_by_role("link", name="Admin").click()
        admin.get_by_role("main").get_by_role("link", name="Users").first.click()
        reload_until(admin, re.escape(other))
        assert ADMIN_EMAIL in admin.get_by_role("main").inner_text()

        admin.get_by_role("link", name=other).click()
        reload_until(admin, r"Registration email\s+sent")
        facts = admin.locator("dl.facts").inner_text()
        assert re.search(r"Logins\s+1", facts), facts

        # the user's identity stream, then the trace of its Registered event
        admin.get_by_role("link", name=re.compile(r"^identity-")).click()
        row = admin.locator("tr", has_text="Registered").first
        row.locator("td").nth(3).get_by_role("link").click()
        admin.wait_for_url("**/admin/correlated-messages/**")

        diagram = admin.locator("svg.trace")
        labels = diagram.locator("text").all_text_contents()  # SVG: no inner text
        drawn = [label.split(" #")[0] for label in labels]
        order = [drawn.index(kind) for kind in FLOW]
        assert order == sorted(order), drawn
        assert diagram.locator("path[marker-end]").count() >= len(FLOW) - 1

        # a message of the trace links to its stream (a command stream: ':' in its name)
        admin.get_by_role("link", name=re.compile(r"^identity:command-")).first.click()
        assert "Register" in admin.get_by_role("main").inner_text()

        admin.goto(site.api_url + "/admin/consumers")
        text = admin.get_by_role("main").inner_text()
        for consumer in ("identity", "send-email", "user-credentials", "admin-users"):
            assert consumer in text
        assert "caught up" in text
    finally:
        admin_context.close()
        user_context.close()
