"""video-publishing: uploads published (or refused), videos named and described — each
command delivered twice, one effect."""

from __future__ import annotations

import uuid

import pytest

from message_store import Metadata
from message_store import aws as aws_clients
from tests.support.streams import deliver
from video_tutorials import storage
from video_tutorials.components.video_publishing import (
    NOT_PUBLISHED,
    NOT_THE_OWNER,
    Dependencies,
    video_publishing_component,
)
from video_tutorials.contracts import video_publishing as contract
from video_tutorials.storage import VideoStorage, s3_uri, upload_key

BUCKET = "videos-test"
#: the first bytes of an MP4 file (an ISO base media "ftyp" box), then some payload
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64


@pytest.fixture
def s3(aws):
    client = aws_clients.client("s3")
    client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture
def component(store, s3, logger, skips):
    return video_publishing_component.bind(
        Dependencies(store, VideoStorage(BUCKET), logger), logger=logger, skips=skips
    )


def an_upload(s3, owner_id, video_id, body=MP4):
    key = upload_key(owner_id, video_id)
    s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    return s3_uri(BUCKET, key)


def command(store, command, user_id, trace_id=None):
    metadata = Metadata(trace_id=trace_id or str(uuid.uuid4()), user_id=user_id)
    return store.write(contract.command_stream(command.video_id), command.to_message(metadata))


def events(store, video_id):
    return store.read_stream(contract.video_stream(video_id))


def published_video(store, s3, component, owner_id=None):
    owner_id = owner_id or str(uuid.uuid4())
    video_id = str(uuid.uuid4())
    source = an_upload(s3, owner_id, video_id)
    publish = contract.PublishVideo(owner_id=owner_id, source_uri=source, video_id=video_id)
    command(store, publish, owner_id)
    deliver(component, store, contract.command_stream(video_id))
    return owner_id, video_id


def test_an_upload_delivered_twice_is_published_once(store, s3, component):
    owner_id, video_id = str(uuid.uuid4()), str(uuid.uuid4())
    source = an_upload(s3, owner_id, video_id)
    publish = contract.PublishVideo(owner_id=owner_id, source_uri=source, video_id=video_id)
    command(store, publish, owner_id, trace_id="trace-publish")

    response = deliver(component, store, contract.command_stream(video_id), twice=True)

    assert response == {"batchItemFailures": []}
    (published,) = events(store, video_id)
    assert published.type == "VideoPublished"
    assert published.data["transcodedUri"] == s3_uri(BUCKET, storage.published_key(video_id))
    assert published.metadata.trace_id == "trace-publish"
    copy = s3.get_object(Bucket=BUCKET, Key=storage.published_key(video_id))
    assert copy["Body"].read() == MP4
    assert copy["ContentType"] == "video/mp4"


@pytest.mark.parametrize(
    ("upload", "reason"),
    [
        (None, "the upload is missing"),
        (b"", "the upload is empty"),
        (b"%PDF-1.7 not a video at all", "not a video"),
    ],
)
def test_an_upload_that_cannot_be_published_fails_with_the_reason(
    store, s3, component, upload, reason
):
    owner_id, video_id = str(uuid.uuid4()), str(uuid.uuid4())
    source = s3_uri(BUCKET, upload_key(owner_id, video_id))
    if upload is not None:
        an_upload(s3, owner_id, video_id, upload)
    publish = contract.PublishVideo(owner_id=owner_id, source_uri=source, video_id=video_id)
    command(store, publish, owner_id)

    deliver(component, store, contract.command_stream(video_id), twice=True)

    (failed,) = events(store, video_id)
    assert failed.type == "VideoPublishingFailed"
    assert reason in failed.data["reason"]


def test_an_upload_too_large_fails(store, s3, component, monkeypatch):
    monkeypatch.setattr(storage, "MAX_UPLOAD_BYTES", 32)
    owner_id, video_id = str(uuid.uuid4()), str(uuid.uuid4())
    publish = contract.PublishVideo(
        owner_id=owner_id, source_uri=an_upload(s3, owner_id, video_id), video_id=video_id
    )
    command(store, publish, owner_id)

    deliver(component, store, contract.command_stream(video_id))

    assert "larger than" in events(store, video_id)[0].data["reason"]


@pytest.mark.parametrize(
    "source",
    [
        lambda owner, video: s3_uri(BUCKET, upload_key(str(uuid.uuid4()), video)),  # another's
        lambda owner, video: s3_uri("elsewhere", upload_key(owner, video)),  # another bucket
        lambda owner, video: "https://example.com/video.mp4",  # not S3 at all
    ],
)
def test_someone_elses_upload_or_one_outside_the_bucket_fails(store, s3, component, source):
    owner_id, video_id = str(uuid.uuid4()), str(uuid.uuid4())
    an_upload(s3, owner_id, video_id)
    publish = contract.PublishVideo(
        owner_id=owner_id, source_uri=source(owner_id, video_id), video_id=video_id
    )
    command(store, publish, owner_id)

    deliver(component, store, contract.command_stream(video_id))

    assert events(store, video_id)[0].type == "VideoPublishingFailed"


def test_the_owner_names_a_published_video_once_trimmed(store, s3, component):
    owner_id, video_id = published_video(store, s3, component)
    command(store, contract.NameVideo(video_id=video_id, name="  Intro  "), owner_id, "trace-n")

    deliver(component, store, contract.command_stream(video_id), twice=True)

    named = events(store, video_id)[-1]
    assert (named.type, named.data["name"], named.metadata.trace_id) == (
        "VideoNamed",
        "Intro",
        "trace-n",
    )
    assert len(events(store, video_id)) == 2


@pytest.mark.parametrize(
    ("name", "by_owner", "reason"),
    [
        ("Intro", False, NOT_THE_OWNER),
        ("   ", True, "cannot be empty"),
        ("x" * 101, True, "at most 100"),
    ],
)
def test_a_name_refused_says_why(store, s3, component, name, by_owner, reason):
    owner_id, video_id = published_video(store, s3, component)
    requester = owner_id if by_owner else str(uuid.uuid4())
    command(store, contract.NameVideo(video_id=video_id, name=name), requester)

    deliver(component, store, contract.command_stream(video_id), twice=True)

    rejected = events(store, video_id)[-1]
    assert rejected.type == "VideoNameRejected"
    assert reason in rejected.data["reason"]
    assert len(events(store, video_id)) == 2


def test_a_video_that_is_not_published_cannot_be_named(store, s3, component):
    video_id, owner_id = str(uuid.uuid4()), str(uuid.uuid4())
    command(store, contract.NameVideo(video_id=video_id, name="Intro"), owner_id)

    deliver(component, store, contract.command_stream(video_id))

    (rejected,) = events(store, video_id)
    assert (rejected.type, rejected.data["reason"]) == ("VideoNameRejected", NOT_PUBLISHED)


def test_an_older_command_delivered_late_does_not_undo_a_newer_one(store, s3, component):
    owner_id, video_id = published_video(store, s3, component)
    stream = contract.command_stream(video_id)
    command(store, contract.NameVideo(video_id=video_id, name="First"), owner_id)
    command(store, contract.NameVideo(video_id=video_id, name="Second"), owner_id)
    first, second = store.read_stream(stream)[1:]

    component.handle_messages([second])
    component.handle_messages([first])  # redelivered late

    assert [e.data.get("name") for e in events(store, video_id)[1:]] == ["Second"]


def test_descriptions_are_trimmed_and_limited(store, s3, component):
    owner_id, video_id = published_video(store, s3, component)
    command(
        store, contract.DescribeVideo(video_id=video_id, description=" All about it "), owner_id
    )
    command(store, contract.DescribeVideo(video_id=video_id, description="y" * 5001), owner_id)

    deliver(component, store, contract.command_stream(video_id), twice=True)

    described, rejected = events(store, video_id)[1:]
    assert (described.type, described.data["description"]) == ("VideoDescribed", "All about it")
    assert rejected.type == "VideoDescriptionRejected"
    assert "5,000" in rejected.data["reason"]


def test_a_command_for_another_videos_stream_is_skipped_and_recorded(store, component, skips):
    video_id = str(uuid.uuid4())
    stream = contract.command_stream(video_id)
    name = contract.NameVideo(video_id=str(uuid.uuid4()), name="Intro")
    store.write(stream, name.to_message())

    assert deliver(component, store, stream) == {"batchItemFailures": []}

    assert skips.addresses() == [f"{stream}/0"]
