"""Demo videos, so that a fresh site has something to watch: ``python -m video_tutorials.demo``.

They go through the real path, as a creator's would: a demo creator's uploads in the videos
bucket, then ``PublishVideo`` and ``NameVideo`` to video-publishing, which checks, copies and
publishes them. Nothing bypasses its contract. Running it again changes nothing: a video
whose command stream exists is left alone. ``make run`` runs it against the devserver once
everything is up; ``--stack-name`` seeds a deployed stack.
"""

from __future__ import annotations

import argparse
import uuid
from typing import Any

from message_store import MessageStore, Metadata, VersionConflictError

from . import stack as stacks
from .contracts.video_publishing import NameVideo, PublishVideo, command_stream
from .storage import s3_uri, upload_key

DEMO_OWNER_ID = "00000000-0000-4000-8000-000000000000"
DEMO_VIDEOS = {
    "4c3b6a2e-5d1f-4e8a-9b7c-0a1d2e3f4a51": "Event sourcing in ten minutes",
    "7e9f1a2b-3c4d-4e5f-8a6b-1c2d3e4f5a62": "Idempotent consumers",
    "a1b2c3d4-e5f6-4a7b-8c9d-2e3f4a5b6c73": "Views you can rebuild",
}
#: A tiny MP4 as far as the checks go: an ISO base media "ftyp" box, then nothing to play.
DEMO_FILE = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 1000


def publish_demo_videos(store: MessageStore, s3: Any, bucket: str) -> list[str]:
    """Upload and publish each demo video not published yet; the ids of those it published."""
    published = []
    for video_id, name in DEMO_VIDEOS.items():
        metadata = Metadata(trace_id=str(uuid.uuid4()), user_id=DEMO_OWNER_ID)
        key = upload_key(DEMO_OWNER_ID, video_id)
        publish = PublishVideo(
            owner_id=DEMO_OWNER_ID, source_uri=s3_uri(bucket, key), video_id=video_id
        )
        stream = command_stream(video_id)
        s3.put_object(Bucket=bucket, Key=key, Body=DEMO_FILE, ContentType="video/mp4")
        try:
            store.write(stream, publish.to_message(metadata), expected_version=-1)
        except VersionConflictError:
            continue  # published before
        store.write(stream, NameVideo(video_id=video_id, name=name).to_message(metadata))
        published.append(video_id)
    return published


def main(argv: list[str] | None = None) -> None:
    """Seed the demo videos into the running devserver (default) or a deployed stack."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    stacks.add_arguments(parser)
    arguments = parser.parse_args(argv)
    stack = stacks.from_arguments(arguments)
    store = MessageStore(stack.physical_id("MessageStoreTable"), client=stack.client("dynamodb"))
    published = publish_demo_videos(store, stack.client("s3"), stack.physical_id("VideosBucket"))
    print(f"demo videos: {len(published)} published, {len(DEMO_VIDEOS) - len(published)} there")


if __name__ == "__main__":
    main()
