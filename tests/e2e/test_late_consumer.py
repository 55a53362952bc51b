"""A consumer deployed after the stream's 24 hours have passed, in both topologies: the
home-page view is built from the store by the operator's rebuild (a progress bar; stopped
by Ctrl-C and resumed), then the live consumer takes over — and the view is the one a
consumer there all along would have built: no viewing missed, none counted twice.

"Not deployed yet" is the home-page consumer with its mappings disabled and its view empty;
"24 hours" is ``DevServer.expire_stream_records()`` (the stream's records gone for every
mapping) and, in the Queues topology, the consumer's queue emptied (it did not exist when
those messages were published).
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
import uuid
from collections import Counter

from message_store.replay_cursor import FINISHED, INTERRUPTED
from video_tutorials.contracts.viewing import VideoViewed, viewing_stream
from video_tutorials.mappings import MappingSwitch
from video_tutorials.rebuild import Rebuilds

from .conftest import console_of, stack_of, store_of
from .rebuilding import (
    ROOT,
    a_video,
    command_environment,
    home_page_as_read,
    home_page_views,
    rebuild_command,
    run_rebuild,
)

#: viewings before the consumer is deployed, while its rebuild is stopped, while it is
#: resumed, and once the live consumer has taken over
BEFORE, STOPPED, RESUMING, AFTER = 12, 4, 4, 4


def record(site, video: str, count: int, counted: Counter[str]) -> None:
    """Viewings as the home application writes them (its page needs the very view that is
    not there yet): each viewer's in their shard of the video's streams."""
    store = store_of(site)
    for _ in range(count):
        viewer = str(uuid.uuid4())
        store.write(
            viewing_stream(video, viewer), VideoViewed(video_id=video, user_id=viewer).to_message()
        )
        counted[video] += 1


def cursor_of(site):
    return Rebuilds(stack_of(site)).cursors().load("home-page")


def replaying(cursor, earlier) -> bool:
    """Whether a new rebuild has replayed some messages (not ``earlier``'s run)."""
    if cursor is None or (earlier is not None and cursor.run_id == earlier.run_id):
        return False
    return cursor.replayed > 0


def wait_for(condition, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("the condition did not come true")


def test_a_consumer_deployed_late_builds_its_view_from_the_store_then_follows_the_stream(
    site_in_each_topology,
):
    site = site_in_each_topology
    site.wait_idle(timeout=60)
    all_along = home_page_as_read(site)  # what the consumer there all along built so far
    videos = [a_video(site, n) for n in range(2)]
    counted: Counter[str] = Counter()
    switch = MappingSwitch("HomePageAggregatorFunction", client=stack_of(site).client("lambda"))

    # not deployed yet: nothing consumes the viewings, and its view does not exist
    switch.set_enabled(False)
    home_page_views(site).clear()
    for n in range(BEFORE):
        record(site, videos[n % 2], 1, counted)
    site.wait_idle(timeout=60)
    # 24 hours later: the stream's records have expired (its queue never had them)
    assert site.expire_stream_records() >= BEFORE
    if site.topology == "Queues":
        site.client("sqs").purge_queue(QueueUrl=site.physical_name("HomePageAggregatorQueue"))

    # deployed: the view built from the store; viewings keep coming; Ctrl-C, then --resume
    earlier = cursor_of(site)  # an earlier rebuild's, if any
    stopped = threading.Thread(target=record, args=(site, videos[0], STOPPED, counted))
    started = time.monotonic()
    command = subprocess.Popen(
        rebuild_command(site, "home-page", "--rate", "50", "--drain-seconds", "0"),
        cwd=ROOT,
        env=command_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: replaying(cursor_of(site), earlier))
        stopped.start()
        command.send_signal(signal.SIGINT)  # the operator's Ctrl-C
        out, err = command.communicate(timeout=60)
    finally:
        if command.poll() is None:
            command.kill()
    stopped.join()
    assert command.returncode == 1, out + err
    assert "messages replayed" in out  # the progress bar (not on a terminal: a line)
    assert "Its live consumer stays paused" in err, err
    assert "--resume" in err
    interrupted = cursor_of(site)
    assert interrupted.status == INTERRUPTED
    assert all(m["State"] == "Disabled" for m in switch.mappings())

    resuming = threading.Thread(target=record, args=(site, videos[1], RESUMING, counted))
    resuming.start()
    resumed = run_rebuild(site, "home-page", "--resume", "--rate", "10000", "--drain-seconds", "0")
    resuming.join()
    took = time.monotonic() - started
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr + console_of(site)
    assert "its consumer runs again" in resumed.stdout
    finished = cursor_of(site)
    assert (finished.run_id, finished.status, finished.invocation) == (
        interrupted.run_id,
        FINISHED,
        2,
    )
    assert all(m["State"] != "Disabled" for m in switch.mappings())

    # the live consumer takes over
    for n in range(AFTER):
        record(site, videos[n % 2], 1, counted)
    site.wait_idle(timeout=60)

    now = home_page_as_read(site)
    assert now["total"] == all_along["total"] + BEFORE + STOPPED + RESUMING + AFTER, console_of(
        site
    )
    for video in videos:
        assert now["videos"][video].views == all_along["videos"][video].views + counted[video]
    untouched = {v: s for v, s in now["videos"].items() if v not in videos}
    assert untouched == {v: s for v, s in all_along["videos"].items() if v not in videos}
    print(  # docs/reliability.md
        f"late consumer {site.topology}: rebuilt from the store (interrupted, resumed) in "
        f"{took:.1f} s, {finished.replayed} messages replayed"
    )
