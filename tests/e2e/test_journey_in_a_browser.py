"""The first user journey in a real browser: Debian's Chromium driven by playwright."""

from __future__ import annotations

import re
import uuid

import pytest

from .conftest import settle_home_page, the_mail_to

PASSWORD = "correct horse battery"


def watched(page) -> int:
    text = page.locator(".stat").inner_text()
    return int(re.search(r"watched (\d+) video", text).group(1))


@pytest.mark.slow
def test_register_log_in_record_viewings_and_log_out(site, page):
    email = f"grace-{uuid.uuid4().hex[:8]}@example.com"
    settle_home_page(site)  # the figure below is what the view holds
    page.goto(site.api_url + "/")
    before = watched(page)

    page.get_by_role("link", name="Register").first.click()
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Register").click()
    page.wait_for_url("**/register/registration-complete")
    assert "Your account is ready" in page.get_by_role("main").inner_text()

    # at once: the log-in right after registering succeeds (read your writes)
    page.get_by_role("main").get_by_role("link", name="Log in").click()
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(site.api_url.rstrip("/") + "/")
    assert email in page.locator("header").inner_text()

    for n in range(1, 4):
        with page.expect_navigation():
            page.get_by_role("button", name="Record viewing").first.click()
        assert watched(page) == before + n  # on the very next page

    mail = the_mail_to(site, email)
    assert mail.subject == "Welcome to Video Tutorials"

    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()
    assert email not in page.locator("header").inner_text()
    assert page.get_by_role("link", name="Log in").first.is_visible()
