from __future__ import annotations

from video_tutorials.demo import DEMO_VIDEOS, publish_demo_videos


def test_demo_videos_are_published_and_named_once(store):
    assert sorted(publish_demo_videos(store, trace_id="t")) == sorted(DEMO_VIDEOS)
    assert publish_demo_videos(store, trace_id="t") == []

    messages = store.read_category("videoPublishing")
    assert len(messages) == 2 * len(DEMO_VIDEOS)
    names = {m.data["videoId"]: m.data["name"] for m in messages if m.type == "VideoNamed"}
    assert names == DEMO_VIDEOS
