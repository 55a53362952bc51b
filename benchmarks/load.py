"""A bounded load run on the devserver: throughput and latency per route, errors, and every
accepted write found in the views afterwards — in both consumer topologies.

``make load`` runs it (``.venv/bin/python benchmarks/load.py [--seconds S] [--clients N]
[--topology Streams|Queues]``); it is not part of ``make bench`` (a minute or more per
topology). Loopback only: the devserver starts in this process on free ports of 127.0.0.1.

Each client is a browser of its own: it registers, logs in, then loops over a mix of routes
— the home page, a viewing (logged in), a log-in — until the run's time is up; a few clients
also register new users as they go. The run is bounded by its duration and by a maximum
number of requests. Afterwards, once the system is idle: every viewing answered ``303`` is
counted in the home page's total and per video, every registration answered ``303`` has its
credentials, and no request was answered 5xx (or anything the route does not answer).

A report, not a test: the exit code is 1 only when the run lost a write or saw an error.
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

# actions.py puts the devserver and the layers on the path: imported before them
from actions import TOPOLOGIES, Browser, percentile, running_site, watched

from video_tutorials.views.home_page import HomePageViews
from video_tutorials.views.user_credentials import UserCredentialsViews

PASSWORD = "correct horse battery staple"
#: what each route may answer in this run (anything else is an error)
EXPECTED = {
    "GET /": {200},
    "POST /record-viewing/{videoId}": {303},
    "POST /auth/log-in": {303},
    "POST /register": {303},
}


@dataclass
class Tally:
    """What the clients did: latencies per route, statuses, accepted writes."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    viewings: Counter[str] = field(default_factory=Counter)
    registered: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, route: str, status: int, seconds: float, detail: str = "") -> bool:
        ok = status in EXPECTED[route]
        with self.lock:
            self.latencies[route].append(seconds * 1000)
            self.statuses[(route, status)] += 1
            if not ok:
                self.errors.append(f"{route} answered {status}: {detail[:200]}")
        return ok

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())


def timed(tally: Tally, route: str, call: Callable[[], requests.Response]) -> requests.Response:
    started = time.perf_counter()
    response = call()
    tally.record(route, response.status_code, time.perf_counter() - started, response.text)
    return response


def register(browser: Browser, tally: Tally, email: str) -> bool:
    user_id = str(uuid.uuid4())
    form = {"id": user_id, "email": email, "password": PASSWORD}
    response = timed(tally, "POST /register", lambda: browser.post("/register", form))
    if response.status_code == 303:
        with tally.lock:
            tally.registered.append((user_id, email))
        return True
    return False


def client(
    number: int,
    api_url: str,
    videos: list[str],
    tally: Tally,
    deadline: float,
    budget: threading.Semaphore,
    registers_as_it_goes: bool,
) -> None:
    """One browser: register, log in, then the mix until the deadline or the budget."""
    chance = random.Random(number)
    browser = Browser(api_url)
    email = f"load-{number}-{uuid.uuid4().hex[:6]}@example.com"
    if not register(browser, tally, email):
        return
    log_in = {"email": email, "password": PASSWORD}
    while time.monotonic() < deadline:  # the credentials view may still be on its way
        response = browser.post("/auth/log-in", log_in)
        if response.status_code == 303:
            break
        time.sleep(0.05)
    while time.monotonic() < deadline and budget.acquire(blocking=False):
        roll = chance.random()
        if roll < 0.45:
            video = chance.choice(videos)
            response = timed(
                tally,
                "POST /record-viewing/{videoId}",
                lambda video=video: browser.post(f"/record-viewing/{video}"),
            )
            if response.status_code == 303:
                with tally.lock:
                    tally.viewings[video] += 1
        elif roll < 0.85:
            timed(tally, "GET /", lambda: browser.get("/"))
        elif roll < 0.95 or not registers_as_it_goes:
            timed(tally, "POST /auth/log-in", lambda: browser.post("/auth/log-in", log_in))
        else:
            register(Browser(api_url), tally, f"load-new-{uuid.uuid4().hex[:10]}@example.com")


def run(topology: str, seconds: float, clients: int, max_requests: int) -> bool:
    """One bounded run in one topology; prints its figures; True when nothing was lost."""
    with running_site(topology) as site:
        server = site.server
        dynamodb = site.clients["dynamodb"]
        home = HomePageViews(server.physical_name("HomePageViewTable"), client=dynamodb)
        before = home.home_page(consistent=True)
        videos = [v.video_id for v in before.videos]
        views_before = {v.video_id: v.views for v in before.videos}
        assert videos, "the demo videos are published"
        assert watched(Browser(server.api_url).get("/").text) == before.videos_watched

        tally = Tally()
        budget = threading.Semaphore(max_requests)
        started = time.monotonic()
        deadline = started + seconds
        threads = [
            threading.Thread(
                target=client,
                args=(n, server.api_url, videos, tally, deadline, budget, n % 2 == 0),
                name=f"load-client-{n}",
            )
            for n in range(clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        settle_started = time.monotonic()
        site.wait_idle()
        settled = time.monotonic() - settle_started

        after = home.home_page(consistent=True)
        counted = {v.video_id: v.views - views_before.get(v.video_id, 0) for v in after.videos}
        credentials = UserCredentialsViews(
            server.physical_name("UserCredentialsViewTable"), client=dynamodb
        )
        missing_users = [e for u, e in tally.registered if credentials.get(u) is None]
        lost_viewings = {
            v: (n, counted.get(v, 0)) for v, n in tally.viewings.items() if counted.get(v, 0) != n
        }
        total_ok = after.videos_watched - before.videos_watched == sum(tally.viewings.values())

        print(f"\n== {topology}: {clients} clients, {elapsed:.1f} s, {tally.requests} requests")
        print(f"   throughput {tally.requests / elapsed:.1f} requests/s (loopback, moto behind)")
        print(f"   {'route':34} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        for route in EXPECTED:
            values = tally.latencies.get(route, [])
            if not values:
                continue
            print(
                f"   {route:34} {len(values):6d} {percentile(values, 0.5):8.0f} "
                f"{percentile(values, 0.95):8.0f} {max(values):8.0f}"
            )
        print(f"   statuses: {dict(sorted(tally.statuses.items()))}")
        print(f"   errors: {len(tally.errors)}" + "".join(f"\n     {e}" for e in tally.errors[:5]))
        print(
            f"   after the run the consumers caught up in {settled:.1f} s: "
            f"{sum(tally.viewings.values())} accepted viewings, total counted "
            f"{after.videos_watched - before.videos_watched} ({'ok' if total_ok else 'LOST'}), "
            f"per video {lost_viewings or 'ok'}; "
            f"{len(tally.registered)} registrations, credentials missing for {len(missing_users)}"
        )
        return not tally.errors and total_ok and not lost_viewings and not missing_users


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="the run's duration")
    parser.add_argument("--clients", type=int, default=4, help="concurrent browsers")
    parser.add_argument("--max-requests", type=int, default=2000, help="at most this many")
    parser.add_argument("--topology", choices=TOPOLOGIES, action="append")
    arguments = parser.parse_args(argv)
    if arguments.seconds <= 0 or arguments.clients < 1 or arguments.max_requests < 1:
        parser.error("--seconds, --clients and --max-requests must be positive")
    results = [
        run(topology, arguments.seconds, arguments.clients, arguments.max_requests)
        for topology in arguments.topology or TOPOLOGIES
    ]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
