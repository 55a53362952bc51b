"""creators-portal (with fakes): a creator's dashboard, uploads, publishing, naming and
describing, the operation page — and every bad input answered with a 4xx, nothing written."""

from __future__ import annotations

import uuid

import pytest

from tests.support.applications import (
    FakeCreatorsVideosView,
    FakeVideoOperations,
    FakeVideoStorage,
    InMemoryMessageStore,
    a_site,
    cookie_attributes,
    cookie_value,
    header,
    page_text,
    session_cookie,
    set_cookies,
    written_cookie,
)
from tests.support.factories import an_api_request
from video_tutorials import storage
from video_tutorials.applications import creators_portal
from video_tutorials.views.creators_videos import CreatorsVideo
from video_tutorials.views.video_operations import VideoOperation

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00" + b"\x00" * 32
OWNER = "0f8e2d4c-6b5a-4c3d-9e8f-7a6b5c4d3e2f"


class Portal:
    def __init__(self) -> None:
        self.site = a_site()
        self.store = InMemoryMessageStore()
        self.videos = FakeCreatorsVideosView()
        self.operations = FakeVideoOperations()
        self.storage = FakeVideoStorage()
        self.app = creators_portal.create_app(
            self.site,
            store=self.store,
            videos=self.videos,
            operations=self.operations,
            storage=self.storage,
        )

    def request(self, method, path, *, user=OWNER, form=None, cookies=None, query=None):
        jar = dict(cookies or {})
        if user:
            jar.update(session_cookie(self.site, user, "creator@example.com"))
        return self.app.resolve(
            an_api_request(method, path, form=form, cookies=jar, query=query), {}
        )

    def a_video(self, owner=OWNER, **fields) -> CreatorsVideo:
        video = CreatorsVideo(
            video_id=str(uuid.uuid4()), owner_id=owner, status="published", **fields
        )
        self.videos.add(video)
        return video


@pytest.fixture
def portal():
    return Portal()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/creators-portal"),
        ("GET", f"/creators-portal/videos/{uuid.uuid4()}"),
        ("GET", f"/creators-portal/video-operations/{uuid.uuid4()}"),
        ("POST", "/creators-portal/publish-video"),
        ("POST", f"/creators-portal/videos/{uuid.uuid4()}/name"),
    ],
)
def test_everything_needs_a_session(portal, method, path):
    response = portal.request(method, path, user=None, form={} if method == "POST" else None)

    assert response["statusCode"] == 303
    location = header(response, "Location")
    assert location.startswith("/Prod/auth/log-in?next=")
    if method == "GET":
        assert location.endswith(path)
    assert portal.store.messages() == []


def test_the_dashboard_lists_the_creators_videos_and_an_upload_form_to_the_bucket(portal):
    portal.a_video(name="Intro", description="All about it", views=3)
    portal.a_video()
    portal.a_video(owner=str(uuid.uuid4()), name="Someone else's")

    response = portal.request("GET", "/creators-portal")

    assert response["statusCode"] == 200
    text = page_text(response)
    assert "Intro All about it 3 published" in text
    assert "Untitled" in text
    assert "Someone else's" not in text
    body = response["body"]
    assert f'action="{FakeVideoStorage.origin}/"' in body
    assert 'enctype="multipart/form-data"' in body
    assert f"uploads/{OWNER}/" in body
    assert "/creators-portal/uploaded?videoId=" in body
    csp = header(response, "Content-Security-Policy")
    assert f"form-action 'self' {FakeVideoStorage.origin}" in csp
    assert f"media-src {FakeVideoStorage.origin}" in csp


def test_the_upload_comes_back_to_a_page_that_publishes_it(portal):
    video_id = str(uuid.uuid4())
    key = storage.upload_key(OWNER, video_id)

    response = portal.request(
        "GET", "/creators-portal/uploaded", query={"videoId": video_id, "key": key}
    )

    assert response["statusCode"] == 200
    assert 'name="sourceUri" value="s3://videos-bucket/' in response["body"]
    assert portal.store.messages() == []  # a GET writes nothing


def test_coming_back_with_another_creators_key_is_refused(portal):
    video_id = str(uuid.uuid4())
    key = storage.upload_key(str(uuid.uuid4()), video_id)

    response = portal.request(
        "GET", "/creators-portal/uploaded", query={"videoId": video_id, "key": key}
    )

    assert response["statusCode"] == 400
    assert "not yours" in page_text(response)


def test_publishing_an_upload_writes_publish_video_and_reads_back_on_the_dashboard(portal):
    video_id = str(uuid.uuid4())
    source = portal.storage.upload(OWNER, video_id, MP4)

    response = portal.request(
        "POST", "/creators-portal/publish-video", form={"videoId": video_id, "sourceUri": source}
    )

    assert response["statusCode"] == 303
    assert header(response, "Location") == "/Prod/creators-portal"
    (command,) = portal.store.messages()
    assert (command.type, command.stream_name) == (
        "PublishVideo",
        f"videoPublishing:command-{video_id}",
    )
    assert command.data == {"ownerId": OWNER, "sourceUri": source, "videoId": video_id}
    assert command.metadata.user_id == OWNER
    written = next(c for c in set_cookies(response) if c.startswith(portal.site.written.name))

    # the dashboard waits for the video: the owner index does not have it yet
    portal.videos.add(
        CreatorsVideo(video_id=video_id, owner_id=OWNER, status="published"), indexed=False
    )
    dashboard = portal.request(
        "GET", "/creators-portal", cookies={portal.site.written.name: cookie_value(written)}
    )
    assert "Untitled 0 published" in page_text(dashboard)
    assert "on its way" not in page_text(dashboard)


def test_publishing_the_same_upload_twice_is_done_once(portal):
    video_id = str(uuid.uuid4())
    form = {"videoId": video_id, "sourceUri": portal.storage.upload(OWNER, video_id, MP4)}

    first = portal.request("POST", "/creators-portal/publish-video", form=form)
    second = portal.request("POST", "/creators-portal/publish-video", form=form)

    assert (first["statusCode"], second["statusCode"]) == (303, 303)
    assert len(portal.store.messages()) == 1


@pytest.mark.parametrize(
    ("make_form", "message"),
    [
        (lambda p, v: {"videoId": "not-a-uuid", "sourceUri": "s3://videos-bucket/x"}, "not valid"),
        (  # a URI outside the bucket
            lambda p, v: {
                "videoId": v,
                "sourceUri": f"s3://elsewhere/{storage.upload_key(OWNER, v)}",
            },
            "not yours",
        ),
        (  # someone else's upload
            lambda p, v: {
                "videoId": v,
                "sourceUri": p.storage.upload(str(uuid.uuid4()), v, MP4),
            },
            "not yours",
        ),
        (lambda p, v: {"videoId": v, "sourceUri": "https://example.com/v.mp4"}, "not yours"),
        (  # nothing was uploaded
            lambda p, v: {
                "videoId": v,
                "sourceUri": f"s3://videos-bucket/{storage.upload_key(OWNER, v)}",
            },
            "missing",
        ),
        (  # the wrong type
            lambda p, v: {"videoId": v, "sourceUri": p.storage.upload(OWNER, v, b"%PDF-1.7 ...")},
            "not a video",
        ),
        (lambda p, v: {"videoId": v}, "not yours"),
    ],
)
def test_an_upload_that_cannot_be_published_is_a_400_and_writes_nothing(portal, make_form, message):
    form = make_form(portal, str(uuid.uuid4()))

    response = portal.request("POST", "/creators-portal/publish-video", form=form)

    assert response["statusCode"] == 400
    assert message in page_text(response)
    assert portal.store.messages() == []


def test_an_upload_too_large_is_a_400(portal, monkeypatch):
    monkeypatch.setattr(storage, "MAX_UPLOAD_BYTES", 16)
    video_id = str(uuid.uuid4())
    form = {"videoId": video_id, "sourceUri": portal.storage.upload(OWNER, video_id, MP4)}

    response = portal.request("POST", "/creators-portal/publish-video", form=form)

    assert response["statusCode"] == 400
    assert "larger than" in page_text(response)
    assert portal.store.messages() == []


def test_the_video_page_is_the_owners_only(portal):
    mine = portal.a_video(name="Intro", transcoded_uri="s3://videos-bucket/videos/x/video")
    theirs = portal.a_video(owner=str(uuid.uuid4()))

    page = portal.request("GET", f"/creators-portal/videos/{mine.video_id}")
    other = portal.request("GET", f"/creators-portal/videos/{theirs.video_id}")
    unknown = portal.request("GET", f"/creators-portal/videos/{uuid.uuid4()}")

    assert page["statusCode"] == 200
    assert "<video" in page["body"]
    assert "signed=1" in page["body"]
    assert 'value="Intro"' in page["body"]
    assert (other["statusCode"], unknown["statusCode"]) == (404, 404)


def test_naming_writes_name_video_under_the_requests_trace_and_shows_its_outcome(portal):
    video = portal.a_video()

    response = portal.request(
        "POST", f"/creators-portal/videos/{video.video_id}/name", form={"name": " Intro "}
    )

    assert response["statusCode"] == 303
    trace_id = header(response, "X-Trace-Id")
    assert header(response, "Location") == f"/Prod/creators-portal/video-operations/{trace_id}"
    (command,) = portal.store.messages()
    assert (command.type, command.data["name"]) == ("NameVideo", "Intro")
    assert (command.metadata.trace_id, command.metadata.user_id) == (trace_id, OWNER)


@pytest.mark.parametrize(
    ("path", "form", "message"),
    [
        ("name", {"name": "   "}, "Give the video a name"),
        ("name", {"name": "x" * 101}, "at most 100"),
        ("describe", {"description": "y" * 5001}, "at most 5,000"),
    ],
)
def test_a_bad_name_or_description_is_a_400_on_the_video_page(portal, path, form, message):
    video = portal.a_video()

    response = portal.request("POST", f"/creators-portal/videos/{video.video_id}/{path}", form=form)

    assert response["statusCode"] == 400
    assert message in page_text(response)
    assert portal.store.messages() == []


def test_a_video_not_published_yet_cannot_be_named(portal):
    video = CreatorsVideo(video_id=str(uuid.uuid4()), owner_id=OWNER, status="failed")
    portal.videos.add(video)

    response = portal.request(
        "POST", f"/creators-portal/videos/{video.video_id}/name", form={"name": "Intro"}
    )

    assert response["statusCode"] == 400
    assert portal.store.messages() == []


def test_someone_elses_video_cannot_be_named(portal):
    theirs = portal.a_video(owner=str(uuid.uuid4()))

    response = portal.request(
        "POST", f"/creators-portal/videos/{theirs.video_id}/describe", form={"description": "x"}
    )

    assert response["statusCode"] == 404
    assert portal.store.messages() == []


def test_the_operation_page_is_pending_then_failed_or_succeeded(portal):
    video = portal.a_video()
    trace_id = str(uuid.uuid4())
    path = f"/creators-portal/video-operations/{trace_id}"
    mine = written_cookie(portal.site, f"videoPublishing:command-{video.video_id}", 1)

    pending = portal.request("GET", path, cookies=mine)
    assert pending["statusCode"] == 200
    assert "on its way" in page_text(pending)
    assert '<meta http-equiv="refresh" content="1">' in pending["body"]

    portal.operations.by_trace[trace_id] = VideoOperation(
        trace_id, video.video_id, "name", False, "", "a name cannot be empty", 3
    )
    failed = portal.request("GET", path, cookies=mine)
    assert failed["statusCode"] == 200
    assert "The name was refused: a name cannot be empty" in page_text(failed)

    portal.operations.by_trace[trace_id] = VideoOperation(
        trace_id, video.video_id, "name", True, "Intro", None, 3
    )
    succeeded = portal.request("GET", path, cookies=mine)
    assert succeeded["statusCode"] == 303
    assert header(succeeded, "Location") == f"/Prod/creators-portal/videos/{video.video_id}"
    written = next(c for c in set_cookies(succeeded) if c.startswith(portal.site.written.name))
    assert portal.site.written.read({portal.site.written.name: cookie_value(written)}).position == 3
    assert cookie_attributes(written)["Max-Age"] != "0"


def test_an_unknown_operation_without_a_pending_write_is_a_404(portal):
    response = portal.request("GET", f"/creators-portal/video-operations/{uuid.uuid4()}")
    assert response["statusCode"] == 404


def test_someone_elses_operation_is_a_404(portal):
    theirs = portal.a_video(owner=str(uuid.uuid4()))
    trace_id = str(uuid.uuid4())
    portal.operations.by_trace[trace_id] = VideoOperation(
        trace_id, theirs.video_id, "name", True, "X", None, 1
    )

    response = portal.request("GET", f"/creators-portal/video-operations/{trace_id}")

    assert response["statusCode"] == 404
