"""No stream is ever stopped by one bad message — in both topologies, through the devserver.

Issue 7's reproduction, as a user would meet it: a ``VideoViewed`` without ``videoId`` in a
video's stream, then good viewings of that video. The good ones are counted, the bad one is
recorded where an operator sees it (the skipped-messages table, the console), and nothing
reaches a dead-letter queue.
"""

from __future__ import annotations

import re
import time

import pytest
import requests

from message_store import Message
from video_tutorials.contracts.viewing import VideoViewed, viewing_stream
from video_tutorials.views.home_page import HomePageViews

from .conftest import console_of, store_of


def views_on_the_home_page(site, video_id: str, expected: int | None = None) -> int:
    """The video's views on a visitor's home page. A visitor's page is a copy up to
    ``HOME_PAGE_COPY_SECONDS`` (2 s) old: given ``expected``, asked again until it shows
    that, for at most 5 s; the last value seen."""
    deadline = time.monotonic() + 5
    while True:
        page = requests.get(site.api_url + "/", timeout=30).text
        card = page[: page.index(f'action="/record-viewing/{video_id}"')]
        views = int(re.findall(r"(\d+) views?</p>", card)[-1])
        if expected is None or views == expected or time.monotonic() > deadline:
            return views
        time.sleep(0.2)


def views_in_the_view(site, video_id: str) -> int:
    """The video's views in the home-page view itself (strongly consistent)."""
    views = HomePageViews(site.physical_name("HomePageViewTable"), client=site.client("dynamodb"))
    video = views.get(video_id)
    return video.views if video else 0


def queue_depth(site, logical_id: str) -> int:
    sqs = site.client("sqs")
    attributes = sqs.get_queue_attributes(
        QueueUrl=site.physical_name(logical_id),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(value) for value in attributes.values())


@pytest.mark.slow
def test_an_invalid_viewing_is_skipped_recorded_and_the_good_ones_counted(site_in_each_topology):
    site = site_in_each_topology
    store = store_of(site)
    site.wait_idle(timeout=60)
    video_id = re.findall(
        r'action="/record-viewing/([0-9a-f-]{36})"',
        requests.get(site.api_url + "/", timeout=30).text,
    )[-1]
    before = views_in_the_view(site, video_id)
    stream = viewing_stream(video_id)

    bad = store.write(stream, Message(type="VideoViewed", data={"userId": "someone"}))
    for _ in range(3):
        store.write(stream, VideoViewed(video_id=video_id).to_message())
    site.wait_idle(timeout=60)

    assert views_on_the_home_page(site, video_id, before + 3) == before + 3, console_of(site)
    skipped = site.client("dynamodb").get_item(
        TableName=site.physical_name("SkippedMessagesTable"),
        Key={"consumer": {"S": "home-page"}, "address": {"S": f"{stream}#{bad:020d}"}},
        ConsistentRead=True,
    )
    assert "Item" in skipped, console_of(site)
    assert "videoId" in skipped["Item"]["error"]["S"]
    assert f"skipped {stream}/{bad} as invalid" in console_of(site)
    assert queue_depth(site, "ConsumerDeadLetterQueue") == 0
    if site.topology == "Queues":
        assert queue_depth(site, "HomePageAggregatorDeadLetterQueue") == 0

    # and the viewings after it keep counting
    store.write(stream, VideoViewed(video_id=video_id).to_message())
    site.wait_idle(timeout=60)
    assert views_on_the_home_page(site, video_id, before + 4) == before + 4
