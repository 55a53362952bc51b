"""home-page: each viewing counted once, whatever the delivery order or repetition."""

from __future__ import annotations

import json
import random
import uuid

import pytest

from message_store.views import decode_attributes
from tests.support.streams import stored_items, stream_event
from video_tutorials.contracts.video_publishing import VideoNamed, VideoPublished, video_stream
from video_tutorials.contracts.viewing import (
    SHARDS,
    VideoViewed,
    unsharded_viewing_stream,
    viewing_shard,
    viewing_stream,
)
from video_tutorials.views.home_page import (
    PAGE_ID,
    SUMMARY_ID,
    TOTAL_SHARDS,
    count_key,
    count_key_of,
)


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
    assert (skip.consumer, skip.stream_name, skip.position) == (
        "home-page",
        viewing_stream(video),
        0,
    )
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


# -- a viral video: compound viewing streams, a sharded total (issue 13) -----------------------


def viewers_in_distinct_shards(count):
    """Viewer ids whose viewings fall in ``count`` different shards."""
    found: dict[int, str] = {}
    while len(found) < count:
        viewer = str(uuid.uuid4())
        found.setdefault(viewing_shard(viewer), viewer)
    return list(found.values())


def record_viewing_by(store, video_id, viewer):
    stream = viewing_stream(video_id, viewer)
    store.write(stream, VideoViewed(video_id=video_id, user_id=viewer).to_message())
    return stream


def test_a_videos_shards_and_its_unsharded_stream_are_each_counted_in_their_shards_item(
    store, home_page, home_page_views
):
    video = str(uuid.uuid4())
    viewers = viewers_in_distinct_shards(5)
    for viewer in [*viewers, viewers[0], viewers[0]]:
        record_viewing_by(store, video, viewer)
    # a viewing from before the shards, in viewing-{videoId}: still read, in shard 0's item
    store.write(unsharded_viewing_stream(video), VideoViewed(video_id=video).to_message())
    streams = [
        *sorted({viewing_stream(video, v) for v in viewers}),
        unsharded_viewing_stream(video),
    ]
    everything = [item for stream in streams for item in stored_items(store, stream)]

    # delivered twice, the second time with each shard's last message alone first
    lasts = [stored_items(store, stream)[-1] for stream in streams]
    assert home_page.handle_event(stream_event(lasts)) == {"batchItemFailures": []}
    assert home_page.handle_event(stream_event(everything)) == {"batchItemFailures": []}

    assert views_by_video(home_page_views, video) == {video: 8}
    assert home_page_views.home_page().videos_watched == 8
    keys = {count_key_of(stream) for stream in streams}
    items = home_page_views.load(sorted(keys))
    positions = {s: p for item in items.values() for s, p in item.positions.items()}
    assert positions == {
        **{viewing_stream(video, v): 0 for v in viewers[1:]},
        viewing_stream(video, viewers[0]): 2,
        unsharded_viewing_stream(video): 0,
    }  # one position per stream, gaps filled, each in its shard's item
    assert items[count_key(video, 0)].positions.keys() >= {unsharded_viewing_stream(video)}
    assert sum(item.state.views for item in items.values()) == 8
    page_item = home_page_views.load([video])[video]  # made by the roll-up, never folded
    assert (page_item.positions, page_item.version) == ({}, -1)


def test_a_viewing_in_another_videos_shard_is_skipped_not_counted(
    store, home_page, home_page_views, skips
):
    video, other = str(uuid.uuid4()), str(uuid.uuid4())
    stream = viewing_stream(video, "ada")
    store.write(stream, VideoViewed(video_id=other).to_message())
    record_viewing_by(store, video, "ada")

    assert home_page.handle_event(stream_event(stored_items(store, stream))) == {
        "batchItemFailures": []
    }

    assert views_by_video(home_page_views, video) == {video: 1}
    assert home_page_views.get(other) is None
    (skip,) = skips.skipped.values()
    assert (skip.stream_name, skip.position) == (stream, 0)


def test_a_video_viewed_in_every_shard_is_counted_in_small_items_off_the_page(
    store, home_page, home_page_views, tables
):
    """A viral video's batches write its count items (one a shard, each in a partition of
    its own) and the total's counters, never the page's partition; what the roll-up
    writes there is the sum, and its snapshot stays small."""
    video = str(uuid.uuid4())
    viewers = viewers_in_distinct_shards(SHARDS)
    items = [
        item for v in viewers for item in stored_items(store, record_viewing_by(store, video, v))
    ]
    written = []
    events = home_page_views.client.meta.events
    events.register(
        "before-parameter-build.dynamodb.TransactWriteItems",
        lambda params, **_: written.append(params),
    )
    assert home_page.handle_event(stream_event(items)) == {"batchItemFailures": []}

    page_ids = [
        (op["Put"]["Item"] if "Put" in op else op["Update"]["Key"])["pageId"]["S"]
        for t in written
        for op in t["TransactItems"]
    ]
    assert page_ids
    assert PAGE_ID not in page_ids
    assert {p for p in page_ids if not p.startswith("total#")} == {
        f"{video}|views{n}" for n in range(SHARDS)
    }
    counted = home_page_views.load([count_key(video, n) for n in range(SHARDS)])
    assert [len(item.positions) for item in counted.values()] == [1] * SHARDS
    assert home_page_views.has_applied(video, viewing_stream(video, viewers[-1]), 0)
    assert not home_page_views.has_applied(video, viewing_stream(video, viewers[-1]), 1)

    assert views_by_video(home_page_views, video) == {video: SHARDS}  # rolled up
    raw = home_page_views.client.get_item(
        TableName=tables["HomePageViewTable"],
        Key={"pageId": {"S": f"{video}|rolled"}, "itemId": {"S": "rolled"}},
    )["Item"]
    assert raw["counts"]["S"].split(",") == ["1"] * SHARDS
    assert len(json.dumps(decode_attributes(raw), default=str)) < 1_000


def test_the_total_is_kept_in_counters_off_the_page_rolled_into_one_query(
    store, home_page_views, message_store_table
):
    from message_store import MessageStore
    from video_tutorials.aggregators.home_page import home_page_aggregator
    from video_tutorials.views.home_page import HomePageViews

    shards = iter(range(1_000))
    views = HomePageViews(
        home_page_views.table_name,
        client=home_page_views.client,
        choose_shard=lambda: next(shards) % TOTAL_SHARDS,
    )
    consumer = home_page_aggregator.bind(views=views, store=MessageStore(message_store_table))
    videos = [str(uuid.uuid4()) for _ in range(3)]
    for count, video in enumerate(videos, start=1):
        record_viewings(store, video, count)
        publish(store, video)
    # one batch a video: each adds to another counter, in a partition of its own
    for video in videos:
        items = stored_items(store, viewing_stream(video)) + stored_items(
            store, video_stream(video)
        )
        assert consumer.handle_event(stream_event(items)) == {"batchItemFailures": []}
    counters = [
        views.client.get_item(
            TableName=views.table_name,
            Key={"pageId": {"S": f"total#{n}"}, "itemId": {"S": "count"}},
        ).get("Item")
        for n in range(3)
    ]
    assert [int(c["videosWatched"]["N"]) for c in counters] == [1, 2, 3]
    # the counters from before, kept on the page, are summed too
    for item_id, watched in ((SUMMARY_ID, "10"), (f"{SUMMARY_ID}#5", "4")):
        views.client.put_item(
            TableName=views.table_name,
            Item={
                "pageId": {"S": PAGE_ID},
                "itemId": {"S": item_id},
                "videosWatched": {"N": watched},
            },
        )
    assert views.home_page().videos_watched == 14  # not rolled up yet: what was there

    home_page_views.follower.follow()  # the roll-up

    queries = []
    views.client.meta.events.register("before-call.dynamodb.Query", lambda **kw: queries.append(1))
    page = views.home_page()
    assert (page.videos_watched, len(page.videos), len(queries)) == (20, 3, 1)
    second = views.home_page(after=sorted(videos)[0], page_size=1)
    assert second.videos_watched == 20


def test_the_page_reads_what_it_shows_not_the_positions_of_each_videos_shards(
    store, home_page, home_page_views
):
    video = str(uuid.uuid4())
    publish(store, video, name="Many viewers")
    viewers = [str(uuid.uuid4()) for _ in range(40)]  # their viewings in many shards
    for viewer in viewers:
        store.write(viewing_stream(video, viewer), VideoViewed(video_id=video).to_message())
    streams = [video_stream(video), *{viewing_stream(video, v) for v in viewers}]
    home_page.handle_event(stream_event([i for s in streams for i in stored_items(store, s)]))
    answered = []
    events = home_page_views.client.meta.events
    events.register("after-call.dynamodb.Query", lambda parsed, **_: answered.append(parsed))

    page = home_page_views.home_page(consistent=True)

    [shown] = page.videos
    assert (shown.video_id, shown.name, shown.views, page.videos_watched) == (
        video,
        "Many viewers",
        40,
        40,
    )
    items = [item for response in answered for item in response["Items"]]
    assert items
    assert not any("positions" in item for item in items)


def test_each_stream_a_batch_advanced_is_confirmed_with_the_videos_views(
    store, home_page, home_page_views
):
    """A viewer waits on their own stream's confirmation (its own partition), not on the
    page's: it says the last position applied, and the video's views with it counted."""
    video = str(uuid.uuid4())
    viewers = viewers_in_distinct_shards(30)  # more streams than one BatchWriteItem takes
    streams = [record_viewing_by(store, video, viewer) for viewer in viewers]
    store.write(streams[0], VideoViewed(video_id=video).to_message())
    assert home_page_views.confirmation(streams[0]) is None

    items = [item for stream in streams for item in stored_items(store, stream)]
    assert home_page.handle_event(stream_event(items)) == {"batchItemFailures": []}

    first = home_page_views.confirmation(streams[0])
    assert first is not None
    assert (first.position, first.video_id, first.views) == (1, video, 31)
    assert all(home_page_views.confirmation(s).position == 0 for s in streams[1:])
    assert home_page_views.views_of([video, str(uuid.uuid4())]) == {video: 31}
    # the page's query reads its own partition only: the confirmations are not on it
    assert home_page_views.home_page(consistent=True).videos_watched == 31


def test_a_redelivered_batch_leaves_the_confirmation_where_it_was(
    store, home_page, home_page_views
):
    video = str(uuid.uuid4())
    stream = viewing_stream(video)
    record_viewings(store, video, 2)
    items = stored_items(store, stream)
    home_page.handle_event(stream_event(items))
    record_viewings(store, video, 1)
    home_page.handle_event(stream_event(stored_items(store, stream)[2:]))

    home_page.handle_event(stream_event(items))  # the first batch again

    confirmed = home_page_views.confirmation(stream)
    assert (confirmed.position, confirmed.views) == (2, 3)


def test_a_video_viewed_in_more_streams_than_a_transaction_holds_has_each_confirmed(
    store, home_page, home_page_views
):
    """A transaction holds 100 items: the video's, 98 confirmations and the total's counter;
    the rest are put after it."""
    video = str(uuid.uuid4())
    streams = [record_viewing_by(store, video, v) for v in viewers_in_distinct_shards(110)]

    items = [item for stream in streams for item in stored_items(store, stream)]
    assert home_page.handle_event(stream_event(items)) == {"batchItemFailures": []}

    assert [home_page_views.confirmation(s).views for s in streams] == [110] * 110
    assert home_page_views.home_page(consistent=True).videos_watched == 110


def test_a_save_that_conflicts_confirms_nothing(home_page_views):
    """The confirmation is the count item itself: a stale save writes neither it nor the
    total."""
    from message_store.view_item import ViewConflictError, ViewItem
    from video_tutorials.views.home_page import VideoSummary

    video = str(uuid.uuid4())
    stream = viewing_stream(video)
    key = count_key_of(stream)
    first = ViewItem(key, VideoSummary(video_id=video, views=1), {stream: 0})
    home_page_views.save([(ViewItem(key, VideoSummary(video_id=video)), first)])
    stale = ViewItem(key, VideoSummary(video_id=video), version=-1)  # as if never stored
    second = ViewItem(key, VideoSummary(video_id=video, views=2), {stream: 1})

    with pytest.raises(ViewConflictError):
        home_page_views.save([(stale, second)])

    confirmed = home_page_views.confirmation(stream)
    assert (confirmed.position, confirmed.views) == (0, 1)
    assert home_page_views.home_page(consistent=True).videos_watched == 1


def test_a_batch_that_dies_after_its_transaction_has_confirmed_what_it_applied(
    home_page_views,
):
    """No window between the count and its confirmation: a batch whose function dies right
    after the transaction is redelivered, finds nothing new to apply and writes nothing —
    the viewer's confirmation must already be there."""
    from message_store.view_item import ViewItem
    from video_tutorials.views.home_page import VideoSummary

    video = str(uuid.uuid4())
    stream = viewing_stream(video)
    key = count_key_of(stream)
    client = home_page_views.client

    def dies(**_):
        raise ConnectionError("the function died")

    after_the_transaction = (
        "before-call.dynamodb.PutItem",
        "before-call.dynamodb.UpdateItem",
        "before-call.dynamodb.BatchWriteItem",
    )
    for event in after_the_transaction:
        client.meta.events.register(event, dies)
    try:
        home_page_views.save(
            [
                (
                    ViewItem(key, VideoSummary(video_id=video)),
                    ViewItem(key, VideoSummary(video_id=video, views=1), {stream: 0}),
                )
            ]
        )
    finally:
        for event in after_the_transaction:
            client.meta.events.unregister(event, dies)

    confirmed = home_page_views.confirmation(stream)
    assert (confirmed.position, confirmed.video_id, confirmed.views) == (0, video, 1)


def test_a_videos_views_from_before_the_count_items_stay_counted(store, home_page_views):
    """A page item written before the count items keeps its views: the page, the viewer's
    confirmation, ``views_of`` and ``counted`` add the count items' viewings to them."""
    from message_store import MessageStore
    from message_store.aggregator import ViewItem
    from video_tutorials.aggregators.home_page import home_page_aggregator
    from video_tutorials.views.home_page import HomePageViews, VideoSummary

    video = str(uuid.uuid4())
    views = HomePageViews(home_page_views.table_name, client=home_page_views.client)
    before = VideoSummary(video_id=video, views=5, name="Old", published=True)
    old = ViewItem(key=video, state=before, positions={unsharded_viewing_stream(video): 4})
    views.save([(ViewItem(key=video, state=VideoSummary(video_id=video)), old)])
    assert views.views_of([video]) == {video: 5}  # never rolled up: its page item

    stream = viewing_stream(video, "a-viewer")
    store.write(stream, VideoViewed(video_id=video).to_message())
    consumer = home_page_aggregator.bind(views=views, store=MessageStore(store.table_name))
    assert consumer.handle_event(stream_event(stored_items(store, stream))) == {
        "batchItemFailures": []
    }
    assert views.counted(video) == 6
    home_page_views.follower.follow()  # the roll-up

    page = views.home_page(consistent=True)
    assert [(v.video_id, v.views) for v in page.videos] == [(video, 6)]
    assert views.views_of([video]) == {video: 6}  # now from its snapshot
    store.write(stream, VideoViewed(video_id=video).to_message())
    assert consumer.handle_event(stream_event(stored_items(store, stream)[1:])) == {
        "batchItemFailures": []
    }
    confirmed = views.confirmation(stream)
    assert confirmed is not None
    assert (confirmed.position, confirmed.views) == (1, 7)


def test_a_video_viewed_before_it_is_published_keeps_its_rolled_views(
    store, home_page, home_page_views
):
    """The roll-up makes a video's page item when its viewings come first; the video's
    publishing, applied after, updates that item (its views stay), while a page item no one
    made yet is put — on the condition that no roll-up made it meanwhile: a put that meets
    one is refused (a conflict: the batch is folded again, the item loaded, and updated)."""
    from message_store.view_item import ViewConflictError, ViewItem
    from video_tutorials.views.home_page import HomePageViews, VideoSummary

    video = str(uuid.uuid4())
    record_viewings(store, video, 2)
    assert home_page.handle_event(stream_event(stored_items(store, viewing_stream(video)))) == {
        "batchItemFailures": []
    }
    assert home_page_views.get(video).views == 2  # the roll-up's page item (unpublished)

    blind = HomePageViews(home_page_views.table_name, client=home_page_views.client)
    new = ViewItem(key=video, state=VideoSummary(video_id=video))
    published = ViewItem(key=video, state=VideoSummary(video_id=video, published=True))
    with pytest.raises(ViewConflictError):
        blind.save([(new, published)])  # a put, as if nothing were there: refused

    store.write(
        video_stream(video),
        VideoPublished(
            video_id=video,
            owner_id=str(uuid.uuid4()),
            source_uri="s3://in/1.mov",
            transcoded_uri="s3://v/1.mp4",
        ).to_message(),
    )
    assert home_page.handle_event(stream_event(stored_items(store, video_stream(video)))) == {
        "batchItemFailures": []
    }

    shown = home_page_views.get(video)
    assert (shown.published, shown.views) == (True, 2)
    assert [(v.video_id, v.views) for v in home_page_views.home_page().videos] == [(video, 2)]
