"""An outage and the catch-up, in both topologies: a component (identity) and an aggregator
(home-page) are switched off while 50 users register and 200 viewings are recorded; switched
on again, they catch up — every user registered once, welcomed once, every viewing counted
once — and the pages that needed them work again."""

from __future__ import annotations

import time
import uuid
from contextlib import ExitStack

import pytest

from tests.support.traffic import Browser, expect, register
from video_tutorials.contracts import identity
from video_tutorials.mappings import MappingSwitch
from video_tutorials.views.home_page import HomePageViews
from video_tutorials.views.user_credentials import UserCredentialsViews

from .conftest import console_of, stack_of, store_of

USERS = 50
VIEWINGS = 200


@pytest.mark.slow
def test_consumers_switched_off_catch_up_once_switched_on(site_in_each_topology):
    site = site_in_each_topology
    site.wait_idle(timeout=60)
    lambda_client = stack_of(site).client("lambda")
    home_views = HomePageViews(
        site.physical_name("HomePageViewTable"), client=site.client("dynamodb")
    )
    before = home_views.home_page(consistent=True)
    videos = [v.video_id for v in before.videos][:3]
    views_before = {v.video_id: v.views for v in before.videos}
    run = uuid.uuid4().hex[:6]
    users = [(str(uuid.uuid4()), f"outage-{run}-{n}@example.com") for n in range(USERS)]

    started = time.monotonic()
    with ExitStack() as outage:
        for function in ("IdentityComponentFunction", "HomePageAggregatorFunction"):
            outage.enter_context(MappingSwitch(function, client=lambda_client).paused(0))
        browser = Browser(site.api_url)
        for user_id, email in users:
            register(browser, user_id, email)
        for n in range(VIEWINGS):
            expect(browser.post(f"/record-viewing/{videos[n % len(videos)]}"), 303, "a viewing")
        site.wait_idle(timeout=60)
        # meanwhile: nobody registered, nothing counted, no mail
        store = store_of(site)
        assert all(store.read_stream(identity.identity_stream(u)) == [] for u, _ in users[:5])
        assert home_views.home_page(consistent=True).videos_watched == before.videos_watched
        assert site.sent_mail(to=users[0][1]) == []
        switched_off = time.monotonic() - started
    site.wait_idle(timeout=240)
    caught_up = time.monotonic() - started - switched_off

    credentials = UserCredentialsViews(
        site.physical_name("UserCredentialsViewTable"), client=site.client("dynamodb")
    )
    for user_id, email in users:
        events = [m.type for m in store.read_stream(identity.identity_stream(user_id))]
        assert events == ["Registered", "RegistrationEmailSent"], (email, console_of(site))
        assert len(site.sent_mail(to=email)) == 1, email
        assert credentials.get(user_id).email == email
    after = home_views.home_page(consistent=True)
    assert after.videos_watched == before.videos_watched + VIEWINGS
    counted = {v.video_id: v.views - views_before.get(v.video_id, 0) for v in after.videos}
    assert {v: counted[v] for v in videos} == {
        v: len(range(i, VIEWINGS, len(videos))) for i, v in enumerate(videos)
    }
    # the pages work again: the last user logs in
    expect(
        browser.post("/auth/log-in", {"email": users[-1][1], "password": "correct horse battery"}),
        303,
        "logging in after the catch-up",
    )
    print(  # the figures of docs/reliability.md (pytest -s)
        f"outage {site.topology}: {USERS} registrations and {VIEWINGS} viewings in "
        f"{switched_off:.1f} s while switched off; caught up in {caught_up:.1f} s"
    )
