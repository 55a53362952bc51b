"""The whole system running in the devserver, on free ports, with fresh data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator:
    import devserver

    server = devserver.start(
        state_dir=tmp_path_factory.mktemp("devserver"),
        api_port=0,
        emulator_port=0,
        reset=True,
        poll_interval=0.1,
        invoke_at_start=("DemoVideosFunction",),
    )
    try:
        server.wait_idle(timeout=60)
        yield server
    finally:
        server.stop()


@pytest.fixture
def store(site):
    """The running system's message store (read it to check what was written)."""
    from message_store import MessageStore

    return MessageStore(
        site.physical_name("MessageStoreTable"), client=site.client("dynamodb"), settle_window=0
    )
