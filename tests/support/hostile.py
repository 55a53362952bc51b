"""The hostile-input suite's world: every application on fakes, events made from raw HTTP
requests as API Gateway (REST) makes them, and what an acceptable answer to bad input is.

An answer is acceptable when it is not a 5xx and, if it refuses (4xx), it is an HTML page of
the site that says why (a message a person can read, no stack trace) and nothing was
written: not to the store, not to the dead-letter queues.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import re
import uuid
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.support.applications import (
    FakeCreatorsVideosView,
    FakeCredentialsView,
    FakeHomePageView,
    FakeVideoOperations,
    FakeVideoStorage,
    InMemoryMessageStore,
    a_site,
    cheap_passwords,
    header,
    page_text,
    session_cookie,
)
from tests.support.factories import API_HOST, API_ORIGIN, an_api_request
from video_tutorials.applications import admin, authenticate, creators_portal, home, register_users
from video_tutorials.applications.pages import Pages
from video_tutorials.views.admin_users import AdminUser
from video_tutorials.views.creators_videos import CreatorsVideo
from video_tutorials.views.home_page import VideoSummary

ADMIN_EMAIL = "admin@example.com"
USER_ID = "5b0c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d"
PASSWORD = "correct horse battery"
VIDEO_ID = "8e7d6c5b-4a39-4281-9f0e-d1c2b3a4f5e6"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00" + b"\x00" * 32
#: what a stack trace or an interpreter's error shows; never on a page
LEAKS = ("Traceback", 'File "/', "site-packages", "Exception:", "Error:")


class Site:
    """Every application on in-memory fakes: one registered user (an admin and a creator with
    a published video), and what each may write, to count."""

    def __init__(self) -> None:
        from tests.unit.applications import test_admin_app as admin_fakes

        self.site = dataclasses.replace(a_site(), pages=Pages(admins=frozenset({ADMIN_EMAIL})))
        passwords = cheap_passwords()
        self.stores = {name: InMemoryMessageStore() for name in APPLICATIONS}
        credentials = FakeCredentialsView()
        credentials.add(USER_ID, ADMIN_EMAIL, passwords.hash(PASSWORD))
        home_page = FakeHomePageView(
            videos_watched=3,
            videos=[VideoSummary(video_id=VIDEO_ID, views=3, name="A video", published=True)],
        )
        videos = FakeCreatorsVideosView()
        videos.add(CreatorsVideo(video_id=VIDEO_ID, owner_id=USER_ID, status="published"))
        storage = FakeVideoStorage()
        storage.upload(USER_ID, VIDEO_ID, MP4)
        self.dead_letters = admin_fakes.FakeDeadLetters()
        self.apps = {
            "home": home.create_app(self.site, store=self.stores["home"], home_page=home_page),
            "register_users": register_users.create_app(
                self.site,
                store=self.stores["register_users"],
                credentials=credentials,
                passwords=passwords,
            ),
            "authenticate": authenticate.create_app(
                self.site,
                store=self.stores["authenticate"],
                credentials=credentials,
                passwords=passwords,
            ),
            "creators_portal": creators_portal.create_app(
                self.site,
                store=self.stores["creators_portal"],
                videos=videos,
                operations=FakeVideoOperations(),
                storage=storage,
            ),
            "admin": admin.create_app(
                self.site,
                messages=admin_fakes.FakeMessages([]),
                users=admin_fakes.FakeUsers([AdminUser(user_id=USER_ID, email=ADMIN_EMAIL)]),
                streams=admin_fakes.FakeStreams([]),
                skipped=admin_fakes.FakeSkips(),
                progress=admin_fakes.FakeProgress(),
                dead_letters=self.dead_letters,
            ),
        }

    def session(self) -> dict[str, str]:
        """The cookie of the registered user (an admin, the video's owner)."""
        return session_cookie(self.site, USER_ID, ADMIN_EMAIL)

    def writes(self) -> int:
        """Everything written so far: messages in every store, and dead letters redriven."""
        messages = sum(len(store.messages()) for store in self.stores.values())
        return messages + len(self.dead_letters.redriven)

    def send(self, app: str, event: dict[str, Any]) -> dict[str, Any]:
        """One request to one application, checked: never a 5xx; a refusal is a page with a
        message, and writes nothing."""
        before = self.writes()
        response = self.apps[app].resolve(event, {})
        check_answer(response, wrote=self.writes() - before)
        return response


APPLICATIONS = ("home", "register_users", "authenticate", "creators_portal", "admin")


def check_answer(response: dict[str, Any], *, wrote: int) -> None:
    """Fail unless ``response`` is an acceptable answer (see the module's docstring)."""
    status = response["statusCode"]
    body = response.get("body") or ""
    assert status < 500, f"{status}: {page_text(response)[:300]}"
    assert not any(leak in body for leak in LEAKS), body[:500]
    if status >= 400:
        assert (header(response, "Content-Type") or "").startswith("text/html"), status
        message = refusal_message(body)
        assert message, f"a {status} without a message: {page_text(response)[:300]}"
        assert wrote == 0, f"a {status} wrote {wrote} message(s)"
    elif status in (301, 302, 303, 307, 308):
        assert header(response, "Location"), f"a {status} without a Location"


_MESSAGES = (
    re.compile(r'role="alert"[^>]*>(.*?)</', re.S),
    re.compile(r'class="error"[^>]*>(.*?)</', re.S),
    re.compile(r"<h1>[^<]*</h1>\s*<p>(.*?)</p>", re.S),
)


def refusal_message(body: str) -> str:
    """The sentence a refusal shows the user (an alert, a field's error, an error page's)."""
    for pattern in _MESSAGES:
        for found in pattern.findall(body):
            text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found)).split())
            if text:
                return text
    return ""


def raw_event(
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | str | None = None,
) -> dict[str, Any]:
    """The REST proxy event API Gateway makes of one HTTP request: ``path`` as sent
    (percent-encoded), query values decoded, a body that is not UTF-8 base64-encoded."""
    parts = urlsplit(url)
    query: dict[str, str] = {}
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        query.setdefault(name, value)
    raw = body.encode() if isinstance(body, str) else body
    text: str | None = None
    is_base64 = False
    if raw:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text, is_base64 = base64.b64encode(raw).decode(), True
    event = an_api_request(
        method, parts.path or "/", query=query or None, headers=headers, origin=None
    )
    event["body"] = text
    event["isBase64Encoded"] = is_base64
    return event


def same_site_headers(method: str) -> dict[str, str]:
    """What a browser on this site sends with a request: its Origin on a state change."""
    return {"Origin": API_ORIGIN} if method.upper() not in ("GET", "HEAD") else {}


def a_video_id() -> str:
    return str(uuid.uuid4())


__all__ = [
    "ADMIN_EMAIL",
    "API_HOST",
    "APPLICATIONS",
    "PASSWORD",
    "USER_ID",
    "VIDEO_ID",
    "Site",
    "a_video_id",
    "check_answer",
    "raw_event",
    "refusal_message",
    "same_site_headers",
]
