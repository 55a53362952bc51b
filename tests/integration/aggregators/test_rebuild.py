"""A view dropped and rebuilt from the message store is the view the live consumer built —
also when viewings keep arriving while it is rebuilt, when the rebuild is interrupted and
resumed, when its lanes write a shared item side by side, when it is throttled, and when it
runs as a function that hands its cursor on before its deadline."""

from __future__ import annotations

import logging
import time
import uuid
import zlib
from dataclasses import replace

import pytest

from message_store import MessageStore
from message_store.aggregator import Aggregator
from message_store.projection import Projection
from message_store.replay import Replay, ReplayOptions, fresh_cursor, lanes_for
from message_store.replay_cursor import (
    FINISHED,
    INTERRUPTED,
    RUNNING,
    InMemoryCursors,
    RebuildCursorTable,
)
from message_store.view_item import ViewConflictError
from tests.support.moto import serialised_moto
from tests.support.streams import stored_items, stream_event
from video_tutorials.aggregators.admin_users import admin_users_aggregator
from video_tutorials.aggregators.home_page import home_page_aggregator
from video_tutorials.contracts import identity
from video_tutorials.contracts.viewing import VideoViewed, viewing_stream
from video_tutorials.rebuild import (
    SUPERSEDED,
    RebuildError,
    RebuildInterruptedError,
    Rebuilds,
    handle_invocation,
    rebuild,
)
from video_tutorials.stack import Stack
from video_tutorials.views.home_page import (
    TOTAL_PREFIX,
    HomePageViews,
    VideoSummary,
    count_key_of,
    rebuilt_key,
)


def record_viewing(store, video, user=None):
    store.write(viewing_stream(video), VideoViewed(video_id=video, user_id=user).to_message())


def videos_in_each_partition(store, per_partition=1) -> list[str]:
    """Video ids whose viewing streams fall in every partition of the category index."""
    found: dict[int, list[str]] = {}
    while any(len(found.get(n, [])) < per_partition for n in range(store.category_partitions)):
        video = str(uuid.uuid4())
        found.setdefault(zlib.crc32(video.encode()) % store.category_partitions, []).append(video)
    return [v for n in sorted(found) for v in found[n][:per_partition]]


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

    # the rebuild's Pause
    def pause(self):
        self.enabled = False

    def resume(self):
        self.enabled = True
        self.deliver()  # what waited in the stream meanwhile


def clearing_in_chunks_meanwhile(views, live, video):
    """The view's clear as a scan deletes page by page: the total's counters go first, a
    viewing arrives, then the rest goes — the count item it raised among them (the counter
    the viewing recreated is not seen again)."""

    def delete(keys):
        for key in keys:
            views.client.delete_item(TableName=views.table_name, Key=key)
        return len(keys)

    def keys(counters: bool):
        items = views.client.scan(TableName=views.table_name, ConsistentRead=True)["Items"]
        return [
            {"pageId": item["pageId"], "itemId": item["itemId"]}
            for item in items
            if item["pageId"]["S"].startswith(TOTAL_PREFIX) == counters
        ]

    def interleaved():
        deleted = delete(keys(counters=True))
        live.viewing_arrives(video)
        return deleted + delete(keys(counters=False))

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

    # 3 count items and a counter; what the roll-up made of them: 3 page items, their 3
    # snapshots and the total
    assert (result.deleted, result.replayed) == (11, {"viewing": 6, "videoPublishing": 0})
    assert result.status == FINISHED
    assert home_page_views.home_page() == live
    # a viewing only the rebuild applied is confirmed from its video's rebuilt count (asked
    # once a viewer's wait is over)
    assert home_page_views.confirmation(viewing_stream(videos[0])) is None
    confirmed = [home_page_views.confirmation(viewing_stream(v), rebuilt=True) for v in videos]
    assert [(c.position, c.views) for c in confirmed] == [(0, 1), (1, 2), (2, 3)]


def test_a_viewing_during_the_rebuild_is_counted_once(store, home_page, home_page_views):
    """Issue 7's reproduction: 31 viewings, and a rebuild with the live consumer running
    counted 32. The rebuild now pauses the live consumer."""
    video = str(uuid.uuid4())
    live = LiveConsumer(store, home_page)
    for _ in range(30):
        live.viewing_arrives(video)
    clearing_in_chunks_meanwhile(home_page_views, live, video)

    rebuild(home_page_aggregator, store, home_page_views, pause=live)

    page = home_page_views.home_page()
    assert (page.videos_watched, home_page_views.get(video).views) == (31, 31)
    assert live.enabled


def test_without_the_pause_the_same_rebuild_is_wrong(store, home_page, home_page_views):
    """Why the pause: the live consumer applies a viewing to a fresh total while the view is
    being emptied, and that viewing's video item is deleted after it. (Before the replay
    stopped at the pause, the replay counted that viewing again: 32 for 31; now it leaves
    it to the consumer, which has already applied it: the total says 31, the video 30.)"""
    video = str(uuid.uuid4())
    live = LiveConsumer(store, home_page)
    for _ in range(30):
        live.viewing_arrives(video)
    clearing_in_chunks_meanwhile(home_page_views, live, video)

    rebuild(home_page_aggregator, store, home_page_views, pause=None)

    page = home_page_views.home_page()
    assert (page.videos_watched, home_page_views.get(video).views) == (31, 30)


def test_the_replay_waits_until_the_settle_window_has_passed_the_pause(
    message_store_table, home_page_views
):
    """Viewings written just before the pause are replayed, though the window hides them."""
    store = MessageStore(message_store_table, settle_window=5)
    video = str(uuid.uuid4())
    record_viewing(store, video)
    now = [time.time()]
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
        options=ReplayOptions(workers=1),
        clock=lambda: now[0],
        sleep=sleep,
        logger=logging.getLogger("t"),
    )

    assert waited[0] == 1.0
    assert result.replayed["viewing"] == 1
    assert home_page_views.home_page().videos_watched == 1


# -- resumable ----------------------------------------------------------------------------------


class InterruptAfter:
    """What an operator's Ctrl-C or a crash does to a rebuild, after ``batches`` batches."""

    def __init__(self, batches):
        self.batches = batches
        self.seen = 0

    def __call__(self, _cursor):
        self.seen += 1
        if self.seen == self.batches:
            raise ConnectionError("the network went away")


def test_an_interrupted_rebuild_resumes_from_its_cursor_and_counts_each_viewing_once(
    store, home_page, home_page_views, tables
):
    videos = videos_in_each_partition(store)
    for n, video in enumerate(videos):
        for _ in range(3 + n):
            record_viewing(store, video)
    total = sum(3 + n for n in range(len(videos)))
    live = LiveConsumer(store, home_page)
    cursors = RebuildCursorTable(tables["ConsumerProgressTable"])
    options = ReplayOptions(workers=1, batch=2, write_every=1)  # each round written

    with pytest.raises(RebuildInterruptedError) as stopped:
        rebuild(
            home_page_aggregator,
            store,
            home_page_views,
            pause=live,
            cursors=cursors,
            options=options,
            on_batch=InterruptAfter(2),
        )

    assert "stays paused" in str(stopped.value)
    assert "--resume" in str(stopped.value)
    assert not live.enabled  # the consumer stays paused until the rebuild finishes
    saved = cursors.load("home-page")
    assert (saved.status, saved.error) == (INTERRUPTED, "ConnectionError: the network went away")
    assert 0 < saved.replayed < total  # the rounds before the interruption, saved
    live.viewing_arrives(videos[0])  # written while paused: waits in the stream

    result = rebuild(
        home_page_aggregator, store, home_page_views, pause=live, cursors=cursors, resume=True
    )

    assert result.status == FINISHED
    assert result.invocation == 2
    # the rest only: the view was not cleared, nothing before the cursor replayed again
    assert result.run_replayed == total + 1 - saved.replayed
    assert result.deleted == saved.deleted
    assert live.enabled
    assert home_page_views.home_page().videos_watched == total + 1
    assert home_page_views.get(videos[0]).views == 4
    assert cursors.load("home-page").status == FINISHED


def test_after_a_rebuild_the_live_consumer_counts_what_follows_once(
    store, home_page, home_page_views
):
    """A rebuild counts a video's viewings in its rebuilt count, not in its count items. The
    live consumer, resumed, is delivered the viewings that waited in its stream — replayed
    already: the count item it would write takes its stream's position from the rebuilt
    count (read with it, in the same request), so they count once; a viewing after them
    counts in the count item; a viewer whose stream only the rebuild applied is confirmed
    from the rebuilt count."""
    video = str(uuid.uuid4())
    viewers = iter(str(n) for n in range(1000))
    ada = viewing_stream(video, next(viewers))
    bob = next(s for v in viewers if (s := viewing_stream(video, v)) != ada)
    live = LiveConsumer(store, home_page)
    live.enabled = False  # the viewings wait in the consumer's stream

    def arrives(stream):
        store.write(stream, VideoViewed(video_id=video).to_message())
        live.waiting.append(stored_items(store, stream)[-1])
        if live.enabled:
            live.deliver()

    for stream in (ada, ada, bob):
        arrives(stream)

    rebuild(home_page_aggregator, store, home_page_views, pause=live)

    assert live.enabled  # and what waited was delivered again, after the replay
    assert not live.waiting
    assert home_page_views.get(count_key_of(ada)) is None  # nothing new to count
    assert (home_page_views.home_page().videos_watched, home_page_views.get(video).views) == (3, 3)
    confirmed = home_page_views.confirmation(bob, rebuilt=True)
    assert (confirmed.position, confirmed.video_id, confirmed.views) == (0, video, 3)
    assert home_page_views.has_applied(video, bob, 0)
    assert not home_page_views.has_applied(video, bob, 1)

    asked: list[list[str]] = []
    batch_get = home_page_views.batch_get

    def recording(keys, **options):
        asked.append([key["pageId"] for key in keys])
        return batch_get(keys, **options)

    home_page_views.batch_get = recording
    arrives(ada)
    del home_page_views.batch_get

    # the rebuilt count is read with the count item, strongly consistent: one request
    assert len(asked) == 1
    assert {count_key_of(ada), rebuilt_key(video)} <= set(asked[0])
    assert home_page_views.get(count_key_of(ada)).views == 1  # the viewing after the replay
    confirmed = home_page_views.confirmation(ada)
    assert (confirmed.position, confirmed.views) == (2, 4)
    assert home_page_views.counted(video) == 4
    assert (home_page_views.home_page().videos_watched, home_page_views.get(video).views) == (4, 4)


def test_resuming_what_is_not_there_or_finished_says_so(store, home_page_views):
    cursors = InMemoryCursors()
    with pytest.raises(RebuildError, match="no rebuild of home-page to resume"):
        rebuild(
            home_page_aggregator, store, home_page_views, pause=None, cursors=cursors, resume=True
        )
    rebuild(home_page_aggregator, store, home_page_views, pause=None, cursors=cursors)
    with pytest.raises(RebuildError, match="finished: nothing to resume"):
        rebuild(
            home_page_aggregator, store, home_page_views, pause=None, cursors=cursors, resume=True
        )


def test_a_rebuild_that_runs_is_not_started_twice(store, home_page_views):
    cursors = InMemoryCursors()
    video = str(uuid.uuid4())
    record_viewing(store, video)
    record_viewing(store, video)
    result = rebuild(
        home_page_aggregator,
        store,
        home_page_views,
        pause=None,
        cursors=cursors,
        stop=lambda: True,  # a deadline already passed: it stops after the first round
        options=ReplayOptions(workers=1, batch=1),
    )
    assert result.status == RUNNING  # stopped at its deadline, a continuation expected

    with pytest.raises(RebuildError, match="is running"):
        rebuild(home_page_aggregator, store, home_page_views, pause=None, cursors=cursors)
    forced = rebuild(
        home_page_aggregator, store, home_page_views, pause=None, cursors=cursors, force=True
    )
    assert forced.status == FINISHED


# -- lanes read side by side, folded together ---------------------------------------------------


class CountingAndConflicting:
    """A view repository that counts the loads and saves touching ``key``, and whose first
    save touching it fails as if another writer had changed the item since it was loaded."""

    def __init__(self, views, key):
        self._views = views
        self._key = key
        self.loads = 0
        self.saves = 0

    def load(self, keys):
        self.loads += self._key in keys
        return self._views.load(keys)

    def save(self, changes):
        if any(item.key == self._key for _, item in changes):
            self.saves += 1
            if self.saves == 1:
                raise ViewConflictError(f"{self._key} changed meanwhile")
        return self._views.save(changes)

    def __getattr__(self, name):
        return getattr(self._views, name)


def test_lanes_read_side_by_side_fold_a_users_shared_item_together_once(
    store, admin_users_views, tables
):
    """admin-users: a user's item is fed by their identity stream and by the viewing streams
    of videos in other partitions — other lanes. One round reads them all and folds them
    together: the item is written once, not loaded first (this rebuild emptied the view); a
    write that met another writer's is folded again, loading it anew; every viewing counts
    once."""
    user = str(uuid.uuid4())
    store.write(
        identity.identity_stream(user),
        identity.Registered(user_id=user, email="ada@example.com", password_hash="h").to_message(),
    )
    videos = videos_in_each_partition(store)[:2]
    for video in videos:
        record_viewing(store, video, user)
        record_viewing(store, video, user)
    views = CountingAndConflicting(admin_users_views, user)

    result = rebuild(admin_users_aggregator, store, views, pause=None)

    assert result.replayed == {"identity": 1, "authentication": 0, "viewing": 4}
    assert (views.loads, views.saves) == (1, 2)  # loaded only after the conflict
    seen = admin_users_views.get(user)
    assert (seen.registered, seen.viewings) == (True, 4)


class CountingLoads:
    """A view repository that counts the keys each load asks for."""

    def __init__(self, views):
        self._views = views
        self.loaded: list[str] = []

    def load(self, keys):
        self.loaded.extend(keys)
        return self._views.load(keys)

    def __getattr__(self, name):
        return getattr(self._views, name)


def test_a_replay_loads_an_item_once_and_folds_later_rounds_onto_what_it_wrote(
    store, home_page_views
):
    """A view not emptied by the replay itself (a resumed rebuild): an item is loaded the first
    time a round folds into it; later rounds fold onto what the replay wrote (its writes are
    conditional on the version, so a belief gone stale would only meet a conflict)."""
    video = str(uuid.uuid4())
    for _ in range(6):
        record_viewing(store, video)
    views = CountingLoads(home_page_views)
    cursors = InMemoryCursors()
    options = ReplayOptions(workers=1, batch=2, write_every=1)  # each round written
    cursor = fresh_cursor(
        "home-page",
        lanes_for(home_page_aggregator, store, options),
        until=time.time(),
        options=options,
        now=time.time(),
    )
    cursors.start(cursor)
    rounds: list[int] = []

    replay = Replay(
        home_page_aggregator,
        store,
        views,
        cursors,
        options=options,
        on_batch=lambda saved: rounds.append(saved.replayed),
    )

    assert replay.run(cursor)
    assert rounds[:3] == [2, 4, 6]  # three rounds of the video's two messages each
    assert views.loaded == [rebuilt_key(video)]  # a replay counts a video in one item
    assert home_page_views.get(video).views == 6
    assert home_page_views.home_page().videos_watched == 6


class CountingSaves:
    """A view repository that records the keys each save writes."""

    def __init__(self, views):
        self._views = views
        self.saved: list[list[str]] = []

    def save(self, changes):
        self.saved.append([item.key for _, item in changes])
        return self._views.save(changes)

    def __getattr__(self, name):
        return getattr(self._views, name)


@pytest.mark.parametrize(
    ("write_every", "writes"), [(None, 1), (4, 3)], ids=["held", "every-4-messages"]
)
def test_a_rebuild_writes_its_items_once_per_write_every_messages_not_once_a_round(
    store, home_page_views, write_every, writes
):
    """Rounds of 4 messages (a read of 4 from each lane): a video's rebuilt count is fed
    round after round by its viewing stream, and held until ``write_every`` messages have been
    folded — by default the whole rebuild here, one write; every 4 messages, three. The total
    is raised in the same writes: each viewing counts once either way."""
    video = str(uuid.uuid4())
    for _ in range(12):
        record_viewing(store, video)
    views = CountingSaves(home_page_views)
    options = ReplayOptions(
        workers=1, batch=4, **({"write_every": write_every} if write_every else {})
    )

    result = rebuild(home_page_aggregator, store, views, pause=None, options=options)

    assert result.status == FINISHED
    assert result.total == 12
    assert views.saved == [[rebuilt_key(video)]] * writes
    assert home_page_views.counted(video) == 12
    assert home_page_views.get(video).views == 12
    assert home_page_views.home_page().videos_watched == 12


class RecordingCursorsAndViews:
    """Cursors in memory and a view repository, recording in order what each is asked."""

    def __init__(self, views):
        self._views = views
        self.cursors = InMemoryCursors()
        self.calls: list[str] = []
        outer = self

        class Cursors:
            def __getattr__(self, name):
                outer.calls.append(f"cursor {name}")
                return getattr(outer.cursors, name)

        self.cursor_store = Cursors()

    def clear(self):
        self.calls.append("view clear")
        return self._views.clear()

    def save(self, changes):
        self.calls.append("view save")
        return self._views.save(changes)

    def __getattr__(self, name):
        return getattr(self._views, name)


def test_a_fresh_rebuild_empties_the_view_before_it_writes_and_saves_its_cursor_twice(
    store, home_page_views
):
    """The view is emptied while the first round is read, before the round is written; a
    one-round rebuild saves its cursor when it starts and when it finishes, the phase and
    the lanes with it."""
    video = str(uuid.uuid4())
    for _ in range(3):
        record_viewing(store, video)
    recording = RecordingCursorsAndViews(home_page_views)

    result = rebuild(
        home_page_aggregator,
        store,
        recording,
        pause=None,
        cursors=recording.cursor_store,
    )

    assert result.status == FINISHED
    assert [c for c in recording.calls if c != "cursor load"] == [
        "cursor start",
        "view clear",
        "view save",
        "cursor save",
    ]
    saved = recording.cursors.load("home-page")
    assert (saved.status, saved.phase, saved.replayed) == (FINISHED, "replaying", 3)
    assert home_page_views.get(video).views == 3


def test_a_message_whose_fold_fails_stops_the_rebuild_after_saving_what_preceded_it(
    store, home_page_views
):
    """A round folded as its reads come is folded again the plain way when a message fails
    (not one that breaks its contract: that one is skipped): the messages before it, in
    global order, are saved; the rebuild stops there, its cursor before that round."""
    good, bad = str(uuid.uuid4()), str(uuid.uuid4())
    record_viewing(store, good)
    record_viewing(store, bad)
    record_viewing(store, good)

    def viewed(video, event):
        if event.video_id == bad:
            raise RuntimeError("the projection broke")
        return replace(video, video_id=event.video_id, views=video.views + 1)

    failing = Aggregator(
        "home-page",
        Projection(initial=VideoSummary, handlers={VideoViewed: viewed}),
        views=HomePageViews,
    )

    with pytest.raises(RebuildInterruptedError, match="RuntimeError: the projection broke"):
        rebuild(failing, store, home_page_views, pause=None)

    assert home_page_views.get(good).views == 1  # the viewing before the failing one
    assert home_page_views.get(bad) is None


def test_lanes_folded_together_count_the_home_page_total_once(store, home_page_views):
    videos = videos_in_each_partition(store, per_partition=2)
    for n, video in enumerate(videos):
        for _ in range(1 + n % 3):
            record_viewing(store, video)
    total = sum(1 + n % 3 for n in range(len(videos)))

    with serialised_moto():
        result = rebuild(
            home_page_aggregator,
            store,
            home_page_views,
            pause=None,
            options=ReplayOptions(batch=2),
        )

    assert result.replayed["viewing"] == total
    assert home_page_views.home_page().videos_watched == total
    for n, video in enumerate(videos):
        assert home_page_views.get(video).views == 1 + n % 3


# -- throttled ----------------------------------------------------------------------------------


def test_a_throttled_rebuild_keeps_to_its_rate(store, home_page_views):
    """30 messages at 10 a second: rounds of at most a second's worth, each applied once the
    rounds before it have had their share of time: between 2 and 3 s on the rebuild's clock
    (the first round is applied at once)."""
    video = str(uuid.uuid4())
    for _ in range(30):
        record_viewing(store, video)
    now = [time.time()]
    started = now[0]
    applied: list[tuple[float, int]] = []

    def sleep(seconds):
        now[0] += seconds

    result = rebuild(
        home_page_aggregator,
        store,
        home_page_views,
        pause=None,
        options=ReplayOptions(rate=10, workers=1),
        on_batch=lambda cursor: applied.append((now[0] - started, cursor.replayed)),
        clock=lambda: now[0],
        sleep=sleep,
    )

    assert result.total == 30
    rounds = [b - a for (_, a), (_, b) in zip([(0.0, 0), *applied], applied, strict=False)]
    assert 0 < max(rounds) <= 10  # a second's worth at most
    for elapsed, replayed in applied:  # never more than a round ahead of the rate
        assert replayed <= 10 * elapsed + 10 + 1e-6, applied
    assert (30 - 10) / 10 <= now[0] - started <= 30 / 10  # waited for all but a round
    assert home_page_views.home_page().videos_watched == 30


# -- as a function ------------------------------------------------------------------------------


class RunningOutContext:
    """Lambda's context for an invocation with ``seconds`` left, on a clock that moves 10 s
    at every look (each lane looks before each batch)."""

    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:test-RebuildFunction"

    def __init__(self, seconds):
        self.left = seconds
        self.now = 0.0

    def get_remaining_time_in_millis(self):
        return int(self.left * 1000)

    def clock(self):
        self.now += 10.0
        return self.now


@pytest.fixture
def no_settle_window(monkeypatch):
    """The stores the rebuild opens itself read at once (as the ``store`` fixture's)."""
    from message_store.settings import message_store_settings

    monkeypatch.setenv("SETTLE_WINDOW_SECONDS", "0")
    message_store_settings.cache_clear()
    yield
    message_store_settings.cache_clear()


@pytest.fixture
def rebuilds(tables, no_settle_window):
    return Rebuilds(Stack(name="test", resources=tables), logger=logging.getLogger("t"))


def test_the_function_hands_its_cursor_on_before_its_deadline(store, rebuilds, home_page_views):
    video = str(uuid.uuid4())
    for _ in range(24):
        record_viewing(store, video)
    event = {"view": "home-page", "consumer_stopped": True, "batch": 4, "workers": 1}
    invocations, results = [], []

    while event is not None:
        context = RunningOutContext(seconds=40)  # 10 s of margin: 30 s, 3 looks (rounds)
        handed_on: list[dict] = []
        results.append(
            handle_invocation(
                event,
                context,
                rebuilds=rebuilds,
                invoke_next=handed_on.append,
                clock=context.clock,
            )
        )
        invocations.append(event)
        event = handed_on[0] if handed_on else None

    assert len(invocations) >= 2
    assert [r["status"] for r in results] == [RUNNING] * (len(results) - 1) + [FINISHED]
    assert [e.get("invocation") for e in invocations[1:]] == list(range(2, len(invocations) + 1))
    assert all(e["run_id"] == results[0]["runId"] for e in invocations[1:])
    assert results[-1]["total"] == 24
    assert sum(r["runReplayed"] for r in results) == 24  # no batch replayed twice
    assert home_page_views.home_page().videos_watched == 24

    # Lambda delivers an asynchronous invocation at least once: the same one again changes
    # nothing, and hands nothing on
    again: list[dict] = []
    late = handle_invocation(
        invocations[1], RunningOutContext(200), rebuilds=rebuilds, invoke_next=again.append
    )
    assert (late["status"], again) == (SUPERSEDED, [])
    assert home_page_views.home_page().videos_watched == 24


def test_the_function_refuses_what_is_no_rebuild_request(rebuilds):
    with pytest.raises(RebuildError, match="not a rebuild request"):
        handle_invocation(
            {"view": "home-page", "speed": 3}, RunningOutContext(100), rebuilds=rebuilds
        )
    with pytest.raises(RebuildError, match="no view 'nothing'"):
        handle_invocation({"view": "nothing"}, RunningOutContext(100), rebuilds=rebuilds)


def test_the_deployed_function_rebuilds_a_view(store, tables, home_page_views):
    """The function itself (functions/rebuild), loaded as the devserver loads it, its
    resources named by the template's STACK_RESOURCES."""
    import devserver

    video = str(uuid.uuid4())
    for _ in range(3):
        record_viewing(store, video)
    with devserver.load_functions(
        naming=lambda logical_id: f"test-{logical_id}",
        only=("RebuildFunction",),
        environment={"SETTLE_WINDOW_SECONDS": "0"},
    ) as functions:
        result = functions.invoke(
            "RebuildFunction", {"view": "home-page", "consumer_stopped": True}
        )

    assert (result["status"], result["total"]) == (FINISHED, 3)
    assert home_page_views.home_page().videos_watched == 3


def test_the_estimate_of_a_rebuild_is_what_the_admin_streams_view_counts(
    store, rebuilds, admin_streams_views
):
    """What the progress bar's part done and time left come from: the messages of the
    view's categories, as the admin-streams view counts them (it failed on every call,
    the rebuild went on without it, until this test)."""
    from video_tutorials.aggregators.admin_streams import admin_streams_aggregator

    for video in (str(uuid.uuid4()), str(uuid.uuid4())):
        for _ in range(3):
            record_viewing(store, video)
    messages = [
        message
        for category in home_page_aggregator.declaration.categories
        for message in store.read_category(category, None, max_messages=1000)
    ]
    admin_streams_aggregator.bind(views=admin_streams_views, store=store).apply(messages)

    assert rebuilds.estimate(home_page_aggregator) == (6, "the admin-streams view")
