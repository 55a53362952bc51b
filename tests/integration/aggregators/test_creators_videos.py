"""creators-videos: each creator's videos with status, name, description and views — every
message delivered twice, counted once."""

from __future__ import annotations

import uuid

from message_store import Metadata
from tests.support.streams import stored_items, stream_event
from video_tutorials.contracts import video_publishing as contract
from video_tutorials.contracts.viewing import VideoViewed, viewing_stream


def publish(store, owner_id, video_id, *, failed=False):
    source = f"s3://videos/uploads/{owner_id}/{video_id}/source"
    event = (
        contract.VideoPublishingFailed(
            owner_id=owner_id, source_uri=source, video_id=video_id, reason="not a video"
        )
        if failed
        else contract.VideoPublished(
            owner_id=owner_id,
            source_uri=source,
            transcoded_uri=f"s3://videos/videos/{video_id}/video",
            video_id=video_id,
        )
    )
    store.write(contract.video_stream(video_id), event.to_message(Metadata(trace_id="t")))


def everything(store, *video_ids):
    streams = [s for v in video_ids for s in (contract.video_stream(v), viewing_stream(v))]
    return stream_event([item for s in streams for item in stored_items(store, s)])


def test_a_creators_videos_with_their_names_views_and_status(
    store, creators_videos, creators_videos_views
):
    owner, other = str(uuid.uuid4()), str(uuid.uuid4())
    named, failed, elsewhere = (str(uuid.uuid4()) for _ in range(3))
    publish(store, owner, named)
    store.write(
        contract.video_stream(named), contract.VideoNamed(video_id=named, name="Intro").to_message()
    )
    store.write(
        contract.video_stream(named),
        contract.VideoDescribed(video_id=named, description="All of it").to_message(),
    )
    for _ in range(2):
        store.write(viewing_stream(named), VideoViewed(video_id=named).to_message())
    publish(store, owner, failed, failed=True)
    publish(store, other, elsewhere)
    event = everything(store, named, failed, elsewhere)

    assert creators_videos.handle_event(event) == {"batchItemFailures": []}
    assert creators_videos.handle_event(event) == {"batchItemFailures": []}

    videos = {v.video_id: v for v in creators_videos_views.videos_of(owner)}
    assert set(videos) == {named, failed}
    intro = videos[named]
    assert (intro.name, intro.description, intro.views, intro.status) == (
        "Intro",
        "All of it",
        2,
        "published",
    )
    assert intro.transcoded_uri == f"s3://videos/videos/{named}/video"
    assert (videos[failed].status, videos[failed].failure_reason) == ("failed", "not a video")
    assert creators_videos_views.has_applied(named, viewing_stream(named), 1)


def test_a_viewing_delivered_alone_later_still_counts_once(
    store, creators_videos, creators_videos_views
):
    owner, video = str(uuid.uuid4()), str(uuid.uuid4())
    publish(store, owner, video)
    creators_videos.handle_event(everything(store, video))
    store.write(viewing_stream(video), VideoViewed(video_id=video).to_message())
    latest = stream_event(stored_items(store, viewing_stream(video)))

    creators_videos.handle_event(latest)
    creators_videos.handle_event(latest)

    assert creators_videos_views.get(video).views == 1
