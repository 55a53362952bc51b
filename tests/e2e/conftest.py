"""The whole system running in the devserver, on free ports, with fresh data.

One devserver per consumer topology for the whole session (started at first use): the
modules that run in both topologies take ``site_in_each_topology``; the browser journey
takes ``site`` (the template's default, ``Streams``).
"""

from __future__ import annotations

import io
import re
import shutil
import time
from collections.abc import Iterator

import pytest
import requests

# At module level: imported while a function runs, the host would get the function's copy.
import devserver
from message_store import MessageStore
from video_tutorials.demo import publish_demo_videos
from video_tutorials.stack import Stack

TOPOLOGIES = ("Streams", "Queues")
#: the admin the admin journey registers in the browser (one of ``AdminEmails``)
ADMIN_EMAIL = "admin@video-tutorials.example"
#: the admin other tests use, registered once per site over HTTP (``operator_session``)
OPERATOR_EMAIL = "ops@video-tutorials.example"
OPERATOR_PASSWORD = "operators never sleep"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


class Sites:
    """The running devservers, by topology (each started once, stopped at the end)."""

    def __init__(self, tmp_path_factory) -> None:
        self.tmp_path_factory = tmp_path_factory
        self.running: dict[str, object] = {}

    def get(self, topology: str):
        if topology not in self.running:
            console = io.StringIO()
            server = devserver.start(
                console=console,
                state_dir=self.tmp_path_factory.mktemp(f"devserver-{topology.lower()}"),
                api_port=0,
                emulator_port=0,
                lambda_port=0,
                reset=True,
                poll_interval=0.1,
                parameter_overrides={
                    "ConsumerDelivery": topology,
                    "AdminEmails": f"{ADMIN_EMAIL},{OPERATOR_EMAIL}",
                },
            )
            server.console_output = console
            server.topology = topology
            self.running[topology] = server
            bucket = server.physical_name("VideosBucket")
            publish_demo_videos(store_of(server), server.client("s3"), bucket)
            server.wait_idle(timeout=60)
        return self.running[topology]

    def stop(self) -> None:
        for server in self.running.values():
            server.stop()


@pytest.fixture(scope="session")
def sites(tmp_path_factory) -> Iterator[Sites]:
    running = Sites(tmp_path_factory)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def site(sites):
    """The system in the default topology (Streams)."""
    return sites.get("Streams")


@pytest.fixture(params=TOPOLOGIES)
def site_in_each_topology(request, sites):
    """The system in each topology, one after the other."""
    return sites.get(request.param)


def store_of(site):
    """The running system's message store (read it to check what was written)."""
    return MessageStore(
        site.physical_name("MessageStoreTable"),
        client=site.client("dynamodb"),
        settle_window=0,
        # the site's, as its functions have it (the store's own default may differ)
        category_partitions=int(site.parameters["CategoryPartitions"]),
    )


@pytest.fixture
def store(site):
    return store_of(site)


def settle_home_page(site) -> None:
    """Wait until every visitor's home page is current: the consumers idle, then the
    period an instance shows a copy of a page (``HOME_PAGE_COPY_SECONDS``) passed, so that
    a figure read next is what the view holds, not a copy from before the last test's
    writes. The viewer's own viewing needs no waiting: it is counted over the copy."""
    site.wait_idle(timeout=60)
    home = site.application.functions["HomeFunction"]
    time.sleep(float(home.environment.get("HOME_PAGE_COPY_SECONDS", 0)) + 0.05)


def stack_of(site):
    """The running system as the operator's tools see a deployment (``video_tutorials.stack``)."""
    return Stack(
        name=f"devserver ({site.topology})",
        resources={r.logical_id: r.physical_id for r in site.resources.by_id.values()},
        endpoint_url=site.endpoint_url,
        lambda_url=site.lambda_url,
        credentials=("testing", "testing"),
        parameters=dict(site.parameters),
    )


def operator_session(site) -> requests.Session:
    """A browser-like session logged in as the site's operator (an admin), registered once."""
    if getattr(site, "operator", None) is None:
        session = requests.Session()
        session.headers["Origin"] = site.api_url
        form = session.get(site.api_url + "/register", timeout=30).text
        user_id = re.search(r'name="id" value="([^"]+)"', form).group(1)
        registered = session.post(
            site.api_url + "/register",
            data={"id": user_id, "email": OPERATOR_EMAIL, "password": OPERATOR_PASSWORD},
            timeout=30,
        )
        assert registered.status_code == 200, registered.text
        logged_in = session.post(
            site.api_url + "/auth/log-in",
            data={"email": OPERATOR_EMAIL, "password": OPERATOR_PASSWORD},
            allow_redirects=False,
            timeout=30,
        )
        assert logged_in.status_code == 303, logged_in.text
        site.operator = session
    return site.operator


def console_of(site) -> str:
    """The end of the devserver's console (for a failing test's message)."""
    return site.console_output.getvalue()[-6000:]


def the_mail_to(site, email: str):
    """The one mail sent to ``email`` once the system is idle; the console if there is none."""
    site.wait_idle(timeout=60)
    mails = site.sent_mail(to=email)
    assert len(mails) == 1, (
        f"{len(mails)} mails to {email}; pollers: "
        f"{[(p.name, p.status, p.pending(), p.idle()) for p in site.pollers]}; console:\n"
        + console_of(site)
    )
    return mails[0]


# -- a real browser: Debian's Chromium driven by playwright ----------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        context.close()
