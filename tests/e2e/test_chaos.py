"""The whole site under the faults AWS produces, in both topologies: every batch delivered
twice and a share of invocations failing (before the handler ran: a throttle; after it ran:
its effects done, its result lost), with a fixed seed — against the same scripted traffic as
a clean run. Every view ends identical to the clean run's, each user gets exactly one welcome
email, and the store holds the same messages: nothing lost, nothing doubled."""

from __future__ import annotations

import io
import time

import pytest

import devserver
from devserver.chaos import ChaosSettings
from tests.support.traffic import Script, differences, run_script, snapshot, statuses

from .conftest import TOPOLOGIES

SCRIPT = Script(seed=7, users=4, videos=2, viewings_per_user=3)
CHAOS = ChaosSettings(failure_rate=0.25, seed=7)


def run(tmp_path_factory, topology: str, chaos: ChaosSettings | None):
    """A fresh system, the script run against it; its snapshot and its console."""
    console = io.StringIO()
    server = devserver.start(
        console=console,
        state_dir=tmp_path_factory.mktemp(f"chaos-{topology.lower()}-{bool(chaos)}"),
        api_port=0,
        emulator_port=0,
        lambda_port=0,
        reset=True,
        poll_interval=0.1,
        # a failed queue batch is retried after 10 s (the functions' timeout), not AWS's advised 60
        parameter_overrides={"ConsumerDelivery": topology, "ConsumerQueueVisibilityTimeout": "10"},
        chaos=chaos,
    )
    started = time.monotonic()
    try:
        done = run_script(server, SCRIPT)
        server.wait_idle(timeout=120)
        return done, snapshot(server), console.getvalue(), time.monotonic() - started
    finally:
        server.stop()


@pytest.mark.slow
@pytest.mark.parametrize("topology", TOPOLOGIES)
def test_faults_change_nothing_a_user_or_an_operator_sees(tmp_path_factory, topology):
    done, clean, _, clean_seconds = run(tmp_path_factory, topology, None)
    _, faulty, console, faulty_seconds = run(tmp_path_factory, topology, CHAOS)

    injected = statuses(console)
    print(  # the figures of docs/reliability.md (pytest -s)
        f"chaos {topology}: clean run {clean_seconds:.1f} s, faulty run {faulty_seconds:.1f} s, "
        f"injected {dict(injected)}, {len(clean['messages'])} message kinds, "
        f"{sum(n for _, n in clean['messages'])} messages"
    )
    assert sum(injected.values()) > 0, "chaos injected no failure: the test proves nothing"
    assert differences(clean, faulty) == [], console[-4000:]
    # and the clean run is what the script did
    assert clean["home"]["videos_watched"] == done.viewings
    assert clean["mail"] == sorted((email, 1) for email in done.emails)
    assert len(clean["creators_videos"]) == SCRIPT.videos
    assert all(video[2] and video[3] for video in clean["creators_videos"])  # named, described
