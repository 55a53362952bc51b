"""The demo videos go through the real path: uploads, then PublishVideo and NameVideo."""

from __future__ import annotations

from message_store import aws as aws_clients
from video_tutorials.demo import DEMO_OWNER_ID, DEMO_VIDEOS, publish_demo_videos
from video_tutorials.storage import upload_key

BUCKET = "videos-demo"


def test_demo_videos_are_uploaded_and_published_through_video_publishing_once(store):
    s3 = aws_clients.client("s3")
    s3.create_bucket(Bucket=BUCKET)

    assert sorted(publish_demo_videos(store, s3, BUCKET)) == sorted(DEMO_VIDEOS)
    assert publish_demo_videos(store, s3, BUCKET) == []

    commands = store.read_category("videoPublishing:command")
    assert sorted(m.type for m in commands) == ["NameVideo"] * 3 + ["PublishVideo"] * 3
    names = {m.data["videoId"]: m.data["name"] for m in commands if m.type == "NameVideo"}
    assert names == DEMO_VIDEOS
    assert all(m.metadata.user_id == DEMO_OWNER_ID for m in commands)
    for video_id in DEMO_VIDEOS:
        s3.head_object(Bucket=BUCKET, Key=upload_key(DEMO_OWNER_ID, video_id))
    assert store.read_category("videoPublishing") == []  # video-publishing's to write
