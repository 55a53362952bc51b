"""A creator's journey in a real browser (Debian's Chromium driven by playwright): register,
log in, upload a small file from disk straight to S3, publish it, see it succeed, name it, see
the name on the home page, record a viewing and see the creator's dashboard count it."""

from __future__ import annotations

import re
import time
import uuid

import pytest

from .test_journey_in_a_browser import PASSWORD

#: a tiny file that starts like an MP4 (an ISO base media "ftyp" box)
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 2048


@pytest.mark.slow
def test_a_creator_uploads_publishes_names_and_sees_a_viewing_counted(site, page, tmp_path):
    email = f"creator-{uuid.uuid4().hex[:8]}@example.com"
    name = f"My first tutorial {uuid.uuid4().hex[:6]}"
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(MP4)

    page.goto(site.api_url + "/register")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Register").click()
    page.wait_for_url("**/register/registration-complete")
    page.get_by_role("main").get_by_role("link", name="Log in").click()
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(site.api_url.rstrip("/") + "/")

    page.get_by_role("link", name="Creators").click()
    page.wait_for_url("**/creators-portal")
    page.get_by_label("Video file").set_input_files(str(clip))
    page.get_by_role("button", name="Upload").click()  # straight to S3, which sends us back
    page.wait_for_url(re.compile(r".*/creators-portal/uploaded\?.*"))
    page.get_by_role("button", name="Publish").click()
    page.wait_for_url("**/creators-portal")
    row = page.locator("tr", has_text="Untitled")
    assert "published" in row.inner_text()  # read back on the very page after publishing

    row.get_by_role("link", name="Untitled").click()
    page.wait_for_url(re.compile(r".*/creators-portal/videos/[0-9a-f-]{36}$"))
    video_url = page.url
    video_id = video_url.rsplit("/", 1)[1]
    page.get_by_label("Name (1 to 100 characters)").fill(name)
    page.get_by_role("button", name="Save the name").click()
    page.wait_for_url(video_url)  # the operation succeeded: back on the video's page
    assert page.get_by_role("heading", level=1).inner_text() == name

    # the home page is not the publishing's own page: a visitor's is a copy up to
    # HOME_PAGE_COPY_SECONDS (2 s) old, so the new video shows there within that
    deadline = time.monotonic() + 5
    page.goto(site.api_url + "/")
    card = page.locator("li.video", has_text=name)
    while card.count() == 0 and time.monotonic() < deadline:
        time.sleep(0.25)
        page.reload()
    assert card.count() == 1
    with page.expect_navigation():
        card.get_by_role("button", name="Record viewing").click()

    site.wait_idle(timeout=60)  # the dashboard is not the viewing's own page: it may lag
    page.goto(site.api_url + "/creators-portal")
    row = page.locator("tr", has_text=name)
    assert row.locator("td").nth(2).inner_text() == "1", page.content()[:2000]
    assert video_id in row.get_by_role("link", name=name).get_attribute("href")
