"""Scripted traffic over HTTP against a running system, and what its views say afterwards.

The reliability suites drive a devserver with the same script twice — clean, and under faults
(chaos, an outage) — and compare ``snapshot``s: what every view shows, reduced to what must
not depend on timing (no versions, times, global positions or password hashes). Ids are the
script's own (a registration's id is the form's; an upload's video id is chosen here), so two
runs of one script are comparable item by item.
"""

from __future__ import annotations

import re
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import requests

from message_store import MessageStore
from video_tutorials.storage import s3_uri, upload_key
from video_tutorials.views.admin_streams import AdminStreamsViews
from video_tutorials.views.admin_users import AdminUsersViews
from video_tutorials.views.creators_videos import CreatorsVideosViews
from video_tutorials.views.home_page import HomePageViews
from video_tutorials.views.user_credentials import UserCredentialsViews
from video_tutorials.views.video_operations import VideoOperationsViews

PASSWORD = "correct horse battery"
#: a tiny file that starts like an MP4 (an ISO base media "ftyp" box)
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 1024
_NAMESPACE = uuid.UUID("6c1d9a52-2f3e-4b7a-9c1d-0e2f3a4b5c6d")


class Browser:
    """An HTTP client that keeps cookies and sends the site's Origin, like a browser."""

    def __init__(self, api_url: str) -> None:
        self.api_url = api_url.rstrip("/")
        self.session = requests.Session()

    def get(self, path: str) -> requests.Response:
        return self.session.get(self.api_url + path, allow_redirects=False, timeout=60)

    def post(self, path: str, form: dict[str, str] | None = None) -> requests.Response:
        return self.session.post(
            self.api_url + path,
            data=form or {},
            headers={"Origin": self.api_url},
            allow_redirects=False,
            timeout=60,
        )

    def follow(self, response: requests.Response) -> requests.Response:
        """The page a 303 sends the browser to."""
        assert response.status_code == 303, response.text[:500]
        return self.get(response.headers["Location"])


def expect(response: requests.Response, status: int, what: str) -> requests.Response:
    assert response.status_code == status, f"{what}: {response.status_code} {response.text[:400]}"
    return response


@dataclass
class Script:
    """What the traffic does: users (viewers), one creator with videos, viewings per user."""

    seed: int = 1
    users: int = 4
    videos: int = 2
    viewings_per_user: int = 3
    failed_log_ins_per_user: int = 1

    def id(self, kind: str, n: int) -> str:
        return str(uuid.uuid5(_NAMESPACE, f"{self.seed}:{kind}:{n}"))

    def email(self, n: int) -> str:
        return f"user{n}-{self.seed}@example.com"


@dataclass
class Done:
    """What a run of the script did (for the assertions that follow)."""

    emails: list[str] = field(default_factory=list)
    video_ids: list[str] = field(default_factory=list)
    viewings: int = 0


def run_script(site: Any, script: Script, *, settle: float = 120.0) -> Done:
    """Run ``script`` against the running ``site`` (a devserver): registrations, failed and
    good log-ins, a creator's uploads published, named and described, viewings. Waits for the
    system to be idle between phases, so a fault's retries cannot reorder the phases."""
    done = Done()
    creator = Browser(site.api_url)
    creator_id = script.id("creator", 0)
    creator_email = f"creator-{script.seed}@example.com"
    register(creator, creator_id, creator_email)
    viewers = []
    for n in range(script.users):
        browser = Browser(site.api_url)
        register(browser, script.id("user", n), script.email(n))
        viewers.append(browser)
        done.emails.append(script.email(n))
    done.emails.append(creator_email)
    site.wait_idle(timeout=settle)

    log_in(creator, creator_email)
    for n, browser in enumerate(viewers):
        for _ in range(script.failed_log_ins_per_user):
            wrong = {"email": script.email(n), "password": "not the password"}
            expect(browser.post("/auth/log-in", wrong), 401, "a wrong password")
        log_in(browser, script.email(n))

    s3 = site.client("s3")
    bucket = site.physical_name("VideosBucket")
    for v in range(script.videos):
        video_id = script.id("video", v)
        key = upload_key(creator_id, video_id)
        s3.put_object(Bucket=bucket, Key=key, Body=MP4)  # what the browser's presigned POST does
        expect(
            creator.post(
                "/creators-portal/publish-video",
                {"videoId": video_id, "sourceUri": s3_uri(bucket, key)},
            ),
            303,
            "publishing",
        )
        done.video_ids.append(video_id)
    site.wait_idle(timeout=settle)
    for v, video_id in enumerate(done.video_ids):
        path = f"/creators-portal/videos/{video_id}"
        expect(creator.post(f"{path}/name", {"name": f"Tutorial {v}"}), 303, "naming")
        expect(
            creator.post(f"{path}/describe", {"description": f"About tutorial {v}"}),
            303,
            "describing",
        )
    site.wait_idle(timeout=settle)

    for n, browser in enumerate(viewers):
        for k in range(script.viewings_per_user):
            video_id = done.video_ids[(n + k) % len(done.video_ids)]
            expect(browser.post(f"/record-viewing/{video_id}"), 303, "a viewing")
            done.viewings += 1
    site.wait_idle(timeout=settle)
    return done


def register(browser: Browser, user_id: str, email: str) -> None:
    expect(
        browser.post("/register", {"id": user_id, "email": email, "password": PASSWORD}),
        303,
        f"registering {email}",
    )


def log_in(browser: Browser, email: str, *, within: float = 30.0) -> None:
    """Log in (the credentials view may still be on its way under faults: retried)."""
    deadline = time.monotonic() + within
    while True:
        response = browser.post("/auth/log-in", {"email": email, "password": PASSWORD})
        if response.status_code == 303 or time.monotonic() > deadline:
            expect(response, 303, f"logging in {email}")
            return
        time.sleep(0.2)


# -- what the views say ---------------------------------------------------------------------


def snapshot(site: Any) -> dict[str, Any]:
    """Every view's content as a user or an operator sees it, without what depends on timing;
    the store's messages counted per category and type; the mail sent, per address."""
    client = site.client("dynamodb")

    def table(logical_id: str) -> str:
        return site.physical_name(logical_id)

    home = HomePageViews(table("HomePageViewTable"), client=client).home_page(consistent=True)
    credentials = UserCredentialsViews(table("UserCredentialsViewTable"), client=client)
    creators = CreatorsVideosViews(table("CreatorsVideosViewTable"), client=client)
    operations = VideoOperationsViews(table("VideoOperationsViewTable"), client=client)
    admin_users = AdminUsersViews(table("AdminUsersViewTable"), client=client)
    admin_streams = AdminStreamsViews(
        table("AdminStreamsViewTable"), table("AdminCategoriesViewTable"), client=client
    )
    users = admin_users.users(limit=1000).items
    streams = admin_streams.streams(limit=10_000).items
    store = MessageStore(table("MessageStoreTable"), client=client, settle_window=0)
    messages = Counter()
    for stream in streams:
        for message in store.read_stream(stream.stream_name):
            messages[(stream.category, message.type)] += 1
    return {
        "home": {
            "videos_watched": home.videos_watched,
            "videos": sorted((v.video_id, v.name, v.views, v.published) for v in home.videos),
        },
        "credentials": sorted(
            (u.user_id, u.email, credentials.get(u.user_id) is not None) for u in users
        ),
        "creators_videos": sorted(
            (v.video_id, v.owner_id, v.name, v.description, v.views, v.status)
            for v in (
                creators.get(s.stream_name.split("-", 1)[1])
                for s in streams
                if s.category == "videoPublishing"
            )
            if v is not None
        ),
        "video_operations": sorted(
            (o.video_id, o.kind, o.succeeded, o.value)
            for o in _operations(operations, store, streams)
        ),
        "admin_users": sorted(
            (
                u.user_id,
                u.email,
                u.registered,
                u.registration_email_sent,
                u.logins,
                u.failed_logins,
                u.viewings,
            )
            for u in users
        ),
        "admin_streams": sorted((s.stream_name, s.category, s.messages) for s in streams),
        "admin_categories": sorted((c.category, c.streams) for c in admin_streams.categories()),
        "messages": sorted(messages.items()),
        "mail": sorted(Counter(to for m in site.sent_mail() for to in m.to).items()),
    }


def _operations(views: VideoOperationsViews, store: MessageStore, streams: list[Any]) -> list[Any]:
    """The operations view's items: one per naming or describing, keyed by its request's
    trace id (read from the commands that asked for them)."""
    found = []
    for stream in streams:
        if stream.category != "videoPublishing:command":
            continue
        for command in store.read_stream(stream.stream_name):
            if command.type in ("NameVideo", "DescribeVideo") and command.metadata.trace_id:
                operation = views.get(command.metadata.trace_id)
                if operation is not None:
                    found.append(operation)
    return found


def differences(clean: dict[str, Any], other: dict[str, Any]) -> list[str]:
    """Where two snapshots differ, per view, readably."""
    lines = []
    for name in clean:
        if clean[name] != other.get(name):
            lines.append(f"{name}:\n  clean: {clean[name]}\n  other: {other.get(name)}")
    return lines


def statuses(console: str) -> Counter[str]:
    """How the devserver console reported invocations (to show faults really happened)."""
    pattern = r"(not invoked \(chaos\)|chaos: failure after the handler ran)"
    return Counter(re.findall(pattern, console))
