"""creators-videos: each creator's videos with status, name, description and views — every
message delivered twice, counted once."""

from __future__ import annotations

import uuid

from message_store import Metadata
from tests.support.streams import stored_items, stream_event
from video_tutorials.contracts import video_publishing as contract
from video_tutorials.contracts.viewing import VideoViewed, viewing_stream
from video_tutorials.views.creators_videos import VIEW_COUNTS


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


def test_viewings_are_counted_apart_from_the_videos_item_and_its_owner_index_entry(
    store, creators_videos, creators_videos_views, tables
):
    """A viral video's viewings (every batch of every shard) do not rewrite its item, nor so
    its owner-index entry: they go to a few view-count items of their own, added up on read."""
    owner, video = str(uuid.uuid4()), str(uuid.uuid4())
    publish(store, owner, video)
    creators_videos.handle_event(everything(store, video))
    client = creators_videos_views.client
    table = tables["CreatorsVideosViewTable"]

    def item(key):
        return client.get_item(TableName=table, Key={"videoId": {"S": key}}, ConsistentRead=True)[
            "Item"
        ]

    published = item(video)
    viewers = [str(uuid.uuid4()) for _ in range(40)]
    streams = sorted({viewing_stream(video, viewer) for viewer in viewers})
    for viewer in viewers:
        store.write(viewing_stream(video, viewer), VideoViewed(video_id=video).to_message())
    event = stream_event([i for s in streams for i in stored_items(store, s)])

    assert creators_videos.handle_event(event) == {"batchItemFailures": []}
    assert creators_videos.handle_event(event) == {"batchItemFailures": []}

    assert item(video) == published  # the video's own item (and its index entry) untouched
    counts = [
        i
        for i in client.scan(TableName=table)["Items"]
        if i["videoId"]["S"].startswith(f"{video}|")
    ]
    assert 1 < len(counts) <= VIEW_COUNTS
    assert all("ownerId" not in i for i in counts)  # not in the owner index
    assert all(set(i["positions"]["M"]) == {"viewing+"} for i in counts)  # shards, compact
    assert sum(int(i["views"]["N"]) for i in counts) == 40
    assert [v.views for v in creators_videos_views.videos_of(owner)] == [40]
    assert creators_videos_views.get(video).views == 40
    assert all(creators_videos_views.has_applied(video, s, 0) for s in streams)
    assert not creators_videos_views.has_applied(video, streams[0], 5)


def test_a_view_count_item_fills_a_gap_from_the_store(
    store, creators_videos, creators_videos_views
):
    """A view-count item holds whole streams: a viewing delivered after a lost one reads it."""
    owner, video = str(uuid.uuid4()), str(uuid.uuid4())
    publish(store, owner, video)
    stream = viewing_stream(video, "someone")
    for _ in range(3):
        store.write(stream, VideoViewed(video_id=video).to_message())
    creators_videos.handle_event(stream_event(stored_items(store, contract.video_stream(video))))

    assert creators_videos.handle_event(stream_event(stored_items(store, stream)[2:])) == {
        "batchItemFailures": []
    }

    assert creators_videos_views.get(video).views == 3
    assert creators_videos_views.has_applied(video, stream, 2)
