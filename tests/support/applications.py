"""Test support for the applications: fakes of their dependencies, a site, response readers."""

from __future__ import annotations

import html
import json
import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher

from message_store import Message, MessageStoreUnavailableError, VersionConflictError
from message_store.views import ViewUnavailableError
from video_tutorials import storage
from video_tutorials.applications.pages import Pages
from video_tutorials.applications.passwords import Passwords
from video_tutorials.applications.site import Site
from video_tutorials.log_in_limits import LogInLimits
from video_tutorials.storage import (
    TranscodeError,
    Upload,
    parse_s3_uri,
    s3_uri,
    upload_key,
    video_type,
)
from video_tutorials.views.creators_videos import CreatorsVideo
from video_tutorials.views.home_page import Confirmation, HomePage, VideoSummary
from video_tutorials.views.user_credentials import UserCredentials
from video_tutorials.views.video_operations import VideoOperation
from webglue import (
    SessionCookies,
    SessionSecret,
    SessionSigner,
    TokenSigner,
    WebConfig,
    Written,
    WrittenCookies,
)

ROOT = Path(__file__).resolve().parents[2]
SECRET = "a-session-secret-of-the-tests-0123456789abcdef"
SITE_URL = "https://videos.example.com"


class InMemoryMessageStore:
    """``write``, ``read_stream`` and ``read_last_message`` with the store's semantics, in
    memory; each message stamped with the time of ``clock`` (default: now), as the store does."""

    def __init__(self, clock: FixedClock | None = None) -> None:
        self.streams: dict[str, list[Message]] = defaultdict(list)
        self.unavailable = False
        self.clock = clock
        self.reads = 0

    def write(self, stream_name: str, message: Message, expected_version: int | None = None) -> int:
        if self.unavailable:
            raise MessageStoreUnavailableError("the store is down (fake)")
        stream = self.streams[stream_name]
        if expected_version is not None and expected_version != len(stream) - 1:
            raise VersionConflictError(stream_name, expected_version, len(stream) - 1)
        time = self.clock() if self.clock is not None else datetime.now(UTC)
        stored = message.model_copy(
            update={"stream_name": stream_name, "position": len(stream), "time": time}
        )
        stream.append(stored)
        return len(stream) - 1

    def read_last_message(self, stream_name: str) -> Message | None:
        if self.unavailable:
            raise MessageStoreUnavailableError("the store is down (fake)")
        self.reads += 1
        stream = self.streams.get(stream_name, [])
        return stream[-1] if stream else None

    def read_stream(
        self, stream_name: str, from_position: int = 0, max_messages: int = 1000
    ) -> list[Message]:
        if self.unavailable:
            raise MessageStoreUnavailableError("the store is down (fake)")
        self.reads += 1
        return list(self.streams.get(stream_name, [])[from_position : from_position + max_messages])

    def messages(self) -> list[Message]:
        return [message for stream in self.streams.values() for message in stream]


class AppliedPositions:
    """A view's ``has_applied``: positions applied per item and stream, set by the test."""

    def __init__(self) -> None:
        self.applied: dict[tuple[str, str], int] = {}
        self.checks = 0

    def apply(self, key: str, stream_name: str, position: int) -> None:
        self.applied[(key, stream_name)] = position

    def has_applied(self, key: str, stream_name: str, position: int) -> bool:
        self.checks += 1
        return self.applied.get((key, stream_name), -1) >= position


class FakeCredentialsView(AppliedPositions):
    """The user-credentials view: ``find_by_email`` (the index), ``get``, ``has_applied``.

    ``indexed=False`` adds a user the email index does not show yet (it lags the table).
    """

    def __init__(self) -> None:
        super().__init__()
        self.by_email: dict[str, UserCredentials] = {}
        self.by_id: dict[str, UserCredentials] = {}
        self.unavailable = False

    def add(
        self, user_id: str, email: str, password_hash: str, *, indexed: bool = True
    ) -> UserCredentials:
        credentials = UserCredentials(user_id=user_id, email=email, password_hash=password_hash)
        self.by_id[user_id] = credentials
        if indexed:
            self.by_email[email] = credentials
        self.apply(user_id, f"identity-{user_id}", 0)
        return credentials

    def reject(self, user_id: str, reason: str = "email already taken") -> None:
        self.by_id[user_id] = UserCredentials(user_id=user_id, rejected_reason=reason)
        self.apply(user_id, f"identity-{user_id}", 0)

    def find_by_email(self, email: str) -> UserCredentials | None:
        if self.unavailable:
            raise ViewUnavailableError("the view is down (fake)")
        return self.by_email.get(email)

    def get(self, key: str) -> UserCredentials | None:
        return self.by_id.get(key)

    def get_if_applied(
        self, key: str, stream_name: str, position: int
    ) -> tuple[bool, UserCredentials | None]:
        return self.has_applied(key, stream_name, position), self.by_id.get(key)


class FakeHomePageView(AppliedPositions):
    """The home-page view's ``home_page``, ``views_of`` and ``confirmation`` (of the
    positions ``apply`` set: the video's views then are ``confirmed_views``, or the page's)."""

    def __init__(self, videos_watched: int = 0, videos: list[VideoSummary] | None = None) -> None:
        super().__init__()
        self.page = HomePage(videos_watched=videos_watched, videos=videos or [])
        self.unavailable = False
        self.consistent_reads = 0
        self.afters: list[str | None] = []
        self.confirmed_views: dict[str, int] = {}
        #: what ``views_of`` finds of videos off the page
        self.off_page_views: dict[str, int] = {}
        self.views_asked: list[list[str]] = []
        #: what only a rebuild applied (its rebuilt counts), by stream; and how often asked
        self.rebuilt: dict[str, Confirmation] = {}
        self.rebuilt_asks = 0

    def confirmation(self, stream_name: str, *, rebuilt: bool = False) -> Confirmation | None:
        self.checks += 1
        for (key, name), position in self.applied.items():
            if name == stream_name:
                shown = self.get(key)
                views = self.confirmed_views.get(key, shown.views if shown else 0)
                return Confirmation(stream_name, position, key, views)
        if rebuilt:
            self.rebuilt_asks += 1
            return self.rebuilt.get(stream_name)
        return None

    def views_of(self, video_ids: Sequence[str]) -> dict[str, int]:
        self.views_asked.append(list(video_ids))
        self.afters.append("views_of")
        return {k: v for k, v in self.off_page_views.items() if k in video_ids}

    def home_page(self, *, after: str | None = None, consistent: bool = False) -> HomePage:
        if self.unavailable:
            raise ViewUnavailableError("the view is down (fake)")
        self.consistent_reads += consistent
        self.afters.append(after)
        return self.page

    def get(self, key: str) -> VideoSummary | None:
        if self.unavailable:
            raise ViewUnavailableError("the view is down (fake)")
        return next((v for v in self.page.videos if v.video_id == key), None)


class FixedClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def cheap_passwords() -> Passwords:
    """argon2id with the smallest parameters: the same code path, in milliseconds."""
    return Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


#: How long the tests' pages wait for a view to apply the user's write.
READ_BACK_WAIT = 0.05


def a_site(
    *,
    secure: bool = True,
    clock: FixedClock | None = None,
    max_body_bytes: int = 16 * 1024,
    log_in_limits: LogInLimits | None = None,
) -> Site:
    secret = SessionSecret(value=SECRET)
    return Site(
        log_in_limits=log_in_limits or LogInLimits(),
        config=WebConfig(
            site_url=SITE_URL, max_body_bytes=max_body_bytes, read_back_wait=READ_BACK_WAIT
        ),
        sessions=SessionCookies(SessionSigner(secret, clock=clock), secure=secure),
        pages=Pages(),
        written=WrittenCookies(TokenSigner(secret, purpose="written", clock=clock), secure=secure),
    )


# -- reading responses ------------------------------------------------------------------------


def header(response: dict[str, Any], name: str) -> str | None:
    """The first value of a response header (any case)."""
    for key, values in (response.get("multiValueHeaders") or {}).items():
        if key.lower() == name.lower() and values:
            return values[0]
    for key, value in (response.get("headers") or {}).items():
        if key.lower() == name.lower():
            return value
    return None


def set_cookies(response: dict[str, Any]) -> list[str]:
    return list((response.get("multiValueHeaders") or {}).get("Set-Cookie", []))


def cookie_value(set_cookie: str) -> str:
    return set_cookie.split(";", 1)[0].split("=", 1)[1]


def cookie_attributes(set_cookie: str) -> dict[str, str]:
    """``{"Path": "/", "HttpOnly": "", …}`` of one ``Set-Cookie`` value."""
    attributes = {}
    for part in set_cookie.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        attributes[name] = value
    return attributes


def page_text(response: dict[str, Any]) -> str:
    """The page's text as a reader sees it (tags removed, entities decoded, spaces collapsed)."""
    body = re.sub(r"<style.*?</style>", " ", response.get("body") or "", flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def form_value(response: dict[str, Any], name: str) -> str | None:
    """The ``value`` of the input named ``name`` in the page (decoded)."""
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', response.get("body") or "")
    if not match:
        return None
    value = re.search(r'value="([^"]*)"', match.group(0))
    return html.unescape(value.group(1)) if value else ""


def load_event(function: str, name: str) -> dict[str, Any]:
    """A sample event of ``events/<function>/<name>.json``."""
    return json.loads((ROOT / "events" / function / f"{name}.json").read_text())


def session_cookie(site: Site, user_id: str, email: str) -> dict[str, str]:
    """The ``Cookie`` of a browser logged in as this user on ``site``."""
    return {site.sessions.name: cookie_value(str(site.sessions.issue(user_id, email)))}


def written_cookie(site: Site, stream_name: str, position: int) -> dict[str, str]:
    """The ``Cookie`` of a browser whose last request wrote ``stream_name`` at ``position``."""
    assert site.written is not None
    cookie = site.written.issue(Written(stream_name, position))
    return {site.written.name: cookie_value(str(cookie))}


class FakeCreatorsVideosView(AppliedPositions):
    """The creators-videos view: ``videos_of`` (the owner index, which may lag), ``get``."""

    def __init__(self) -> None:
        super().__init__()
        self.by_id: dict[str, CreatorsVideo] = {}
        self.indexed: set[str] = set()

    def add(self, video: CreatorsVideo, *, indexed: bool = True, position: int = 0) -> None:
        self.by_id[video.video_id] = video
        if indexed:
            self.indexed.add(video.video_id)
        self.apply(video.video_id, f"videoPublishing-{video.video_id}", position)

    def videos_of(self, owner_id: str, limit: int = 200) -> list[CreatorsVideo]:
        return [
            v for v in self.by_id.values() if v.owner_id == owner_id and v.video_id in self.indexed
        ][:limit]

    def get(self, key: str) -> CreatorsVideo | None:
        return self.by_id.get(key)


class FakeVideoOperations:
    """The video-operations view's ``get``."""

    def __init__(self) -> None:
        self.by_trace: dict[str, VideoOperation] = {}

    def get(self, key: str) -> VideoOperation | None:
        return self.by_trace.get(key)


class FakeVideoStorage:
    """The videos bucket: uploads as the test declares them, checked like the real one."""

    bucket = "videos-bucket"
    origin = "https://videos-bucket.s3.amazonaws.com"

    def __init__(self) -> None:
        self.uploads: dict[str, bytes] = {}

    def bucket_origin(self) -> str:
        return self.origin

    def presigned_upload(self, owner_id: str, video_id: str, redirect_url: str) -> Upload:
        fields = {"key": upload_key(owner_id, video_id), "success_action_redirect": redirect_url}
        return Upload(f"{self.origin}/", {**fields, "policy": "p", "x-amz-signature": "s"})

    def upload(self, owner_id: str, video_id: str, body: bytes) -> str:
        key = upload_key(owner_id, video_id)
        self.uploads[key] = body
        return s3_uri(self.bucket, key)

    def inspect(self, source_uri: str, owner_id: str, video_id: str) -> str:
        location = parse_s3_uri(source_uri)
        if location is None or location[0] != self.bucket:
            raise TranscodeError(f"{source_uri} is not in the videos bucket")
        if location[1] != upload_key(owner_id, video_id):
            raise TranscodeError(f"{source_uri} is not this creator's upload of this video")
        body = self.uploads.get(location[1])
        if body is None:
            raise TranscodeError("the upload is missing")
        if len(body) > storage.MAX_UPLOAD_BYTES:
            raise TranscodeError("the upload is larger than the limit")
        media_type = video_type(body[:16])
        if media_type is None:
            raise TranscodeError("the upload is not a video (MP4, WebM, Ogg or AVI)")
        return media_type

    def playback_url(self, uri: str) -> str | None:
        return f"{self.origin}/videos/play?signed=1"
