"""home-page: each viewing counted once, whatever the delivery order or repetition."""

from __future__ import annotations

import random
import uuid

from tests.support.streams import stored_items, stream_event
from video_tutorials.contracts.video_publishing import VideoNamed, VideoPublished, video_stream
from video_tutorials.contracts.viewing import VideoViewed, viewing_stream


def record_viewings(store, video_id, count):
    for _ in range(count):
        store.write(viewing_stream(video_id), VideoViewed(video_id=video_id).to_message())


def views_by_video(views, *video_ids):
    """Each video's count, read from its item (the page lists published videos only)."""
    return {video_id: views.get(video_id).views for video_id in video_ids}


def test_viewings_delivered_twice_are_counted_once(store, home_page, home_page_views):
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    record_viewings(store, a, 3)
    record_viewings(store, b, 1)
    event = stream_event(
        stored_items(store, viewing_stream(a)) + stored_items(store, viewing_stream(b))
    )

    assert home_page.handle_event(event) == {"batchItemFailures": []}
    assert home_page.handle_event(event) == {"batchItemFailures": []}

    page = home_page_views.home_page()
    assert page.videos_watched == 4
    assert views_by_video(home_page_views, a, b) == {a: 3, b: 1}


def test_the_same_messages_shuffled_across_streams_give_the_same_view(
    store, home_page, home_page_views
):
    videos = [str(uuid.uuid4()) for _ in range(3)]
    for count, video in enumerate(videos, start=1):
        record_viewings(store, video, count)
    per_stream = [stored_items(store, viewing_stream(v)) for v in videos]
    interleaved = []
    rng = random.Random(7)
    while any(per_stream):
        queue = rng.choice([q for q in per_stream if q])
        interleaved.append(queue.pop(0))  # order within a stream is kept, as Lambda does
    # delivered in two batches, the second repeating half of the first
    home_page.handle_event(stream_event(interleaved[:4]))
    home_page.handle_event(stream_event(interleaved[2:]))

    page = home_page_views.home_page()
    assert page.videos_watched == 6
    assert views_by_video(home_page_views, *videos) == {videos[0]: 1, videos[1]: 2, videos[2]: 3}


def test_a_gap_in_a_stream_is_filled_from_the_store(store, home_page, home_page_views):
    video = str(uuid.uuid4())
    record_viewings(store, video, 3)
    items = stored_items(store, viewing_stream(video))

    home_page.handle_event(stream_event([items[0], items[2]]))  # position 1 never delivered

    page = home_page_views.home_page()
    assert (page.videos_watched, views_by_video(home_page_views, video)) == (3, {video: 3})


def test_published_and_named_videos_are_listed(store, home_page, home_page_views):
    video = str(uuid.uuid4())
    published = VideoPublished(
        owner_id=str(uuid.uuid4()),
        source_uri="s3://in/v.mp4",
        transcoded_uri="s3://out/v.mp4",
        video_id=video,
    )
    store.write(video_stream(video), published.to_message())
    store.write(video_stream(video), VideoNamed(video_id=video, name="Intro").to_message())
    record_viewings(store, video, 2)

    events = stored_items(store, viewing_stream(video)) + stored_items(store, video_stream(video))
    home_page.handle_event(stream_event(events))

    (summary,) = home_page_views.home_page().videos
    assert (summary.name, summary.published, summary.views) == ("Intro", True, 2)
    assert summary.transcoded_uri == "s3://out/v.mp4"


def test_a_viewing_that_breaks_its_contract_never_stops_its_video_again(
    store, home_page, home_page_views, skips
):
    """Issue 7's reproduction: a VideoViewed without videoId, then three good viewings of the
    same video. It sent all four to the dead-letter queue and stopped the count for good."""
    video = str(uuid.uuid4())
    from message_store import Message

    store.write(viewing_stream(video), Message(type="VideoViewed", data={"userId": "u"}))
    record_viewings(store, video, 3)
    event = stream_event(stored_items(store, viewing_stream(video)))

    assert home_page.handle_event(event) == {"batchItemFailures": []}
    assert home_page.handle_event(event) == {"batchItemFailures": []}

    page = home_page_views.home_page()
    assert (page.videos_watched, views_by_video(home_page_views, video)) == (3, {video: 3})
    (skip,) = skips.skipped.values()
    assert (skip.consumer, skip.stream_name, skip.position) == ("home-page", f"viewing-{video}", 0)
    assert "videoId" in skip.error

    # a later viewing, delivered alone, finds the bad one in its gap and still counts
    record_viewings(store, video, 1)
    latest = stored_items(store, viewing_stream(video))[-1:]
    assert home_page.handle_event(stream_event(latest)) == {"batchItemFailures": []}
    assert views_by_video(home_page_views, video) == {video: 4}


def test_a_video_item_says_which_viewings_it_has_applied(store, home_page, home_page_views):
    video = str(uuid.uuid4())
    record_viewings(store, video, 2)
    stream = viewing_stream(video)
    assert not home_page_views.has_applied(video, stream, 0)

    home_page.handle_event(stream_event(stored_items(store, stream)))

    assert home_page_views.has_applied(video, stream, 1)
    assert not home_page_views.has_applied(video, stream, 2)
    assert home_page_views.home_page(consistent=True).videos_watched == 2


def publish(store, video, name=None):
    published = VideoPublished(
        owner_id=str(uuid.uuid4()),
        source_uri=f"s3://videos/uploads/o/{video}/source",
        transcoded_uri=f"s3://videos/videos/{video}/video",
        video_id=video,
    )
    store.write(video_stream(video), published.to_message())
    if name:
        store.write(video_stream(video), VideoNamed(video_id=video, name=name).to_message())


def test_the_page_lists_published_videos_only_a_page_at_a_time(store, home_page, home_page_views):
    videos = sorted(str(uuid.uuid4()) for _ in range(5))
    for n, video in enumerate(videos):
        publish(store, video, name=f"Video {n}")
        record_viewings(store, video, n)
    unpublished = str(uuid.uuid4())
    record_viewings(store, unpublished, 2)  # written behind the application's back
    streams = [s for v in videos for s in (video_stream(v), viewing_stream(v))]
    home_page.handle_event(stream_event([i for s in streams for i in stored_items(store, s)]))
    home_page.handle_event(stream_event(stored_items(store, viewing_stream(unpublished))))

    first = home_page_views.home_page(page_size=2)
    second = home_page_views.home_page(after=first.next_after, page_size=2, consistent=True)
    third = home_page_views.home_page(after=second.next_after, page_size=2)

    pages = [first, second, third]
    assert [p.videos_watched for p in pages] == [12, 12, 12]
    assert sorted(v.video_id for p in pages for v in p.videos) == videos
    assert all(v.published for p in pages for v in p.videos)
    assert third.next_after is None
    assert [v.views for v in first.videos] == sorted((v.views for v in first.videos), reverse=True)
