"""A view dropped and rebuilt from the message store is the view the live consumer built —
also when viewings keep arriving while it is rebuilt."""

from __future__ import annotations

import contextlib
import logging
import uuid

from message_store import MessageStore
from tests.support.streams import stored_items, stream_event
from video_tutorials.aggregators.home_page import home_page_aggregator
from video_tutorials.contracts.viewing import VideoViewed, viewing_stream
from video_tutorials.rebuild import rebuild
from video_tutorials.views.home_page import PAGE_ID, SUMMARY_ID, VIDEO_PREFIX


def record_viewing(store, video):
    store.write(viewing_stream(video), VideoViewed(video_id=video).to_message())


class LiveConsumer:
    """The live home-page aggregator, fed each new viewing at once unless it is paused."""

    def __init__(self, store, home_page):
        self.store = store
        self.home_page = home_page
        self.enabled = True
        self.waiting: list[dict] = []

    def viewing_arrives(self, video):
        record_viewing(self.store, video)
        self.waiting.append(stored_items(self.store, viewing_stream(video))[-1])
        if self.enabled:
            self.deliver()

    def deliver(self):
        event, self.waiting = stream_event(self.waiting), []
        assert self.home_page.handle_event(event) == {"batchItemFailures": []}

    @contextlib.contextmanager
    def paused(self):
        self.enabled = False
        try:
            yield
        finally:
            self.enabled = True
            self.deliver()  # what waited in the stream meanwhile


def clearing_in_chunks_meanwhile(views, live, video):
    """The view's clear as a scan deletes page by page: the summary goes first, a viewing
    arrives, then the video's item goes (the summary the viewing recreated is not seen again)."""

    def interleaved():
        for item_id in (SUMMARY_ID, None):
            if item_id is None:
                live.viewing_arrives(video)
                item_id = f"{VIDEO_PREFIX}{video}"
            key = {"pageId": {"S": PAGE_ID}, "itemId": {"S": item_id}}
            views.client.delete_item(TableName=views.table_name, Key=key)
        return 2

    views.clear = interleaved


def test_the_home_page_rebuilt_equals_the_live_one(store, home_page, home_page_views):
    videos = [str(uuid.uuid4()) for _ in range(3)]
    for count, video in enumerate(videos, start=1):
        for _ in range(count):
            record_viewing(store, video)
    items = [item for v in videos for item in stored_items(store, viewing_stream(v))]
    home_page.handle_event(stream_event(items))
    live = home_page_views.home_page()

    result = rebuild(home_page_aggregator, store, home_page_views, pause=None)

    assert (result.deleted, result.replayed) == (4, {"viewing": 6, "videoPublishing": 0})
    assert home_page_views.home_page() == live


def test_a_viewing_during_the_rebuild_is_counted_once(store, home_page, home_page_views):
    """Issue 7's reproduction: 31 viewings, and a rebuild with the live consumer running
    counted 32. The rebuild now pauses the live consumer."""
    video = str(uuid.uuid4())
    live = LiveConsumer(store, home_page)
    for _ in range(30):
        live.viewing_arrives(video)
    clearing_in_chunks_meanwhile(home_page_views, live, video)

    rebuild(home_page_aggregator, store, home_page_views, pause=live.paused)

    page = home_page_views.home_page()
    assert (page.videos_watched, home_page_views.get(video).views) == (31, 31)


def test_without_the_pause_the_same_rebuild_counts_twice(store, home_page, home_page_views):
    """Why the pause: the live consumer adds to a fresh total, the replay counts it again."""
    video = str(uuid.uuid4())
    live = LiveConsumer(store, home_page)
    for _ in range(30):
        live.viewing_arrives(video)
    clearing_in_chunks_meanwhile(home_page_views, live, video)

    rebuild(home_page_aggregator, store, home_page_views, pause=None)

    assert home_page_views.home_page().videos_watched == 32


def test_the_replay_waits_until_the_settle_window_has_passed_the_pause(
    message_store_table, home_page_views
):
    """Viewings written just before the pause are replayed, though the window hides them."""
    store = MessageStore(message_store_table, settle_window=5)
    video = str(uuid.uuid4())
    record_viewing(store, video)
    now = [1_000.0]
    waited = []

    def sleep(seconds):
        waited.append(seconds)
        now[0] += seconds
        store.settle_window = 0  # the window has passed: what it hid is readable now

    result = rebuild(
        home_page_aggregator,
        store,
        home_page_views,
        pause=None,
        clock=lambda: now[0],
        sleep=sleep,
        logger=logging.getLogger("t"),
    )

    assert waited == [1.0]
    assert result.replayed["viewing"] == 1
    assert home_page_views.home_page().videos_watched == 1
