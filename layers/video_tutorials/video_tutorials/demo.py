"""Demo videos, so that a fresh site has something to watch.

Until the video-publishing component lands, these ``VideoPublished`` / ``VideoNamed`` events
stand in for its history (the same contract, in its streams). Writing them is idempotent:
a video whose stream exists is left alone.
"""

from __future__ import annotations

from message_store import MessageStore, Metadata, VersionConflictError

from .contracts.video_publishing import VideoNamed, VideoPublished, video_stream

DEMO_OWNER_ID = "00000000-0000-4000-8000-000000000000"
DEMO_VIDEOS = {
    "4c3b6a2e-5d1f-4e8a-9b7c-0a1d2e3f4a51": "Event sourcing in ten minutes",
    "7e9f1a2b-3c4d-4e5f-8a6b-1c2d3e4f5a62": "Idempotent consumers",
    "a1b2c3d4-e5f6-4a7b-8c9d-2e3f4a5b6c73": "Views you can rebuild",
}


def publish_demo_videos(store: MessageStore, trace_id: str) -> list[str]:
    """Publish and name each demo video not published yet; the ids of those it published."""
    published = []
    for video_id, name in DEMO_VIDEOS.items():
        metadata = Metadata(trace_id=trace_id)
        event = VideoPublished(
            owner_id=DEMO_OWNER_ID,
            source_uri=f"s3://video-tutorials-demo/source/{video_id}.mp4",
            transcoded_uri=f"s3://video-tutorials-demo/transcoded/{video_id}.mp4",
            video_id=video_id,
        )
        stream = video_stream(video_id)
        try:
            store.write(stream, event.to_message(metadata), expected_version=-1)
        except VersionConflictError:
            continue
        named = VideoNamed(video_id=video_id, name=name)
        store.write(stream, named.to_message(metadata), expected_version=0)
        published.append(video_id)
    return published
