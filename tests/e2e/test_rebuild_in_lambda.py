"""A view rebuilt by the rebuild function on the devserver (``make rebuild VIEW=home-page
ARGS=--in-lambda``): the command invokes RebuildFunction and follows its cursor; each
invocation hands the cursor on to the next before its time is up; the rebuilt view is the
one the live consumer built, and the live consumer runs again afterwards."""

from __future__ import annotations

import re
import time

from .conftest import console_of
from .rebuilding import a_video, home_page_as_read, record_viewings, run_rebuild


def test_the_rebuild_function_gives_back_the_view_the_live_consumer_built(site):
    video = a_video(site)
    record_viewings(site, video, 5)
    site.wait_idle(timeout=60)
    live = home_page_as_read(site)
    assert live["total"] >= 5

    started = time.monotonic()
    # a second an invocation: the replay waits out the store's 5 s settle window, so the
    # cursor is handed on several times
    run = run_rebuild(
        site, "home-page", "--in-lambda", "--max-seconds", "1", "--drain-seconds", "0.5"
    )
    took = time.monotonic() - started

    assert run.returncode == 0, run.stdout + run.stderr + console_of(site)
    assert "RebuildFunction invoked" in run.stdout
    status = re.search(r"home-page: finished \(replaying\), invocation (\d+) of run", run.stdout)
    assert status is not None, run.stdout
    assert int(status.group(1)) >= 2  # handed on at least once
    assert "messages replayed" in run.stdout  # its progress, followed
    site.wait_idle(timeout=60)
    assert home_page_as_read(site) == live

    record_viewings(site, video, 2)  # the live consumer runs again
    site.wait_idle(timeout=60)
    assert home_page_as_read(site)["total"] == live["total"] + 2
    print(f"rebuilt through RebuildFunction in {took:.1f} s, {status.group(1)} invocations")
