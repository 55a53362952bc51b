"""The whole system running in the devserver, on free ports, with fresh data."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator:
    import devserver

    console = io.StringIO()
    server = devserver.start(
        console=console,
        state_dir=tmp_path_factory.mktemp("devserver"),
        api_port=0,
        emulator_port=0,
        reset=True,
        poll_interval=0.1,
        invoke_at_start=("DemoVideosFunction",),
    )
    server.console_output = console
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


def the_mail_to(site, email: str):
    """The one mail sent to ``email`` once the system is idle; the console if there is none."""
    site.wait_idle(timeout=60)
    mails = site.sent_mail(to=email)
    assert len(mails) == 1, (
        f"{len(mails)} mails to {email}; pollers: "
        f"{[(p.name, p.status, p.pending(), p.idle()) for p in site.pollers]}; console:\n"
        + site.console_output.getvalue()[-6000:]
    )
    return mails[0]
