"""The operator's tools against the running system, in both topologies: dead letters delivered
again once their cause is fixed (redrive), a view rebuilt while viewings keep coming (rebuild
pauses its live consumer, so nothing is counted twice)."""

from __future__ import annotations

import html
import json
import re
import threading

import pytest
import requests

from video_tutorials.aggregators.home_page import home_page_aggregator
from video_tutorials.contracts.viewing import VideoViewed, viewing_stream
from video_tutorials.mappings import MappingSwitch
from video_tutorials.rebuild import rebuild
from video_tutorials.redrive import Outcome, redrive
from video_tutorials.views.home_page import HomePageViews

from .conftest import console_of, operator_session, stack_of, store_of


def a_video(site) -> str:
    page = requests.get(site.api_url + "/", timeout=30).text
    return re.findall(r'action="/record-viewing/([0-9a-f-]{36})"', page)[0]


def views_of(site, video_id: str) -> int:
    """The video's views as counted (before the roll-up puts them on the page)."""
    views = HomePageViews(site.physical_name("HomePageViewTable"), client=site.client("dynamodb"))
    return views.counted(video_id)


def home_page_switch(site) -> MappingSwitch:
    stack = stack_of(site)
    return MappingSwitch("HomePageAggregatorFunction", client=stack.client("lambda"))


def dead_letter_of_a_stream_record(site, stream: str, position: int) -> dict:
    """Lambda's on-failure record of a batch holding that one record (as the mapping sends)."""
    streams = site.client("dynamodbstreams")
    stream_arn = site.resources.by_id["MessageStoreTable"].attributes["StreamArn"]
    for shard in streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            page = streams.get_records(ShardIterator=iterator, Limit=1000)
            for record in page["Records"]:
                keys = record["dynamodb"]["Keys"]
                if (keys["streamName"]["S"], int(keys["position"]["N"])) == (stream, position):
                    sequence = record["dynamodb"]["SequenceNumber"]
                    return {
                        "requestContext": {
                            "functionArn": (
                                "arn:aws:lambda:us-east-1:123456789012:function:"
                                "HomePageAggregatorFunction"
                            ),
                            "condition": "RetryAttemptsExhausted",
                        },
                        "version": "1.0",
                        "DDBStreamBatchInfo": {
                            "shardId": shard["ShardId"],
                            "startSequenceNumber": sequence,
                            "endSequenceNumber": sequence,
                            "batchSize": 1,
                            "streamArn": stream_arn,
                        },
                    }
            if not page["Records"]:
                break
            iterator = page.get("NextShardIterator")
    raise AssertionError(f"{stream}/{position} is not in the table's stream")


def move_to_dead_letters(site, stream: str) -> None:
    """What SQS does after maxReceiveCount: the message leaves the queue for its redrive queue."""
    sqs = site.client("sqs")
    queue = site.physical_name("HomePageAggregatorQueue")
    dead = site.physical_name("HomePageAggregatorDeadLetterQueue")
    (message,) = sqs.receive_message(
        QueueUrl=queue, AttributeNames=["All"], MessageAttributeNames=["All"]
    )["Messages"]
    assert json.loads(message["Body"])["streamName"] == stream
    sqs.send_message(
        QueueUrl=dead,
        MessageBody=message["Body"],
        MessageAttributes=message["MessageAttributes"],
        MessageGroupId=message["Attributes"]["MessageGroupId"],
        MessageDeduplicationId=message["Attributes"]["MessageDeduplicationId"],
    )
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])


def redrive_with_the_admin_button(site, said: list[str]) -> Outcome:
    """The admin's button on /admin/consumers: the page says what was delivered and left."""
    session = operator_session(site)
    consumers = session.get(site.api_url + "/admin/consumers", timeout=30)
    assert consumers.status_code == 200
    assert 'action="/admin/consumers/home-page/redrive"' in consumers.text
    response = session.post(site.api_url + "/admin/consumers/home-page/redrive", timeout=60)
    assert response.status_code == 200, response.text
    report = re.search(r'<pre class="json">(.*?)</pre>', response.text, flags=re.S)
    lines = html.unescape(report.group(1)).splitlines() if report else []
    said.extend(lines)
    delivered = re.search(r"(\d+) delivered again, (\d+) left", response.text)
    assert delivered is not None, response.text
    return Outcome(
        delivered=[line for line in lines if line.startswith("  ") and "left" not in line],
        left=["?"] * int(delivered.group(2)),
    )


@pytest.mark.slow
def test_a_dead_letter_is_delivered_again_and_counted_once(site_in_each_topology):
    """Queues: the message waits in its consumer's dead-letter queue and goes back to the
    queue (the operator's tool). Streams: Lambda's record of the failed batch names the
    records, which are read from the stream again and delivered by invoking the function —
    here while the mapping is still paused, so only the redrive can have counted it; done
    with the admin's button (the admin function invokes the consumer through Lambda's API)."""
    site = site_in_each_topology
    store = store_of(site)
    site.wait_idle(timeout=60)
    video_id = a_video(site)
    stream = viewing_stream(video_id)
    before = views_of(site, video_id)
    switch = home_page_switch(site)
    said: list[str] = []

    switch.set_enabled(False)
    try:
        position = store.write(stream, VideoViewed(video_id=video_id).to_message())
        site.wait_idle(timeout=60)
        if site.topology == "Queues":
            move_to_dead_letters(site, stream)
        else:
            site.client("sqs").send_message(
                QueueUrl=site.physical_name("ConsumerDeadLetterQueue"),
                MessageBody=json.dumps(dead_letter_of_a_stream_record(site, stream, position)),
            )
            outcome = redrive_with_the_admin_button(site, said)
            assert views_of(site, video_id) == before + 1, said
    finally:
        switch.set_enabled(True)
    site.wait_idle(timeout=60)
    if site.topology == "Queues":
        assert views_of(site, video_id) == before  # it is in the dead-letter queue only
        outcome = redrive(stack_of(site), said.append, names=["home-page"])
        site.wait_idle(timeout=60)

    assert outcome.left == [], said
    assert len(outcome.delivered) == 1
    assert f"{stream}/{position}" in outcome.delivered[0]
    assert any(f"{stream}/{position}" in line for line in said)
    assert views_of(site, video_id) == before + 1, console_of(site)
    assert redrive(stack_of(site), said.append, names=["home-page"]).delivered == []


@pytest.mark.slow
def test_a_view_rebuilt_while_viewings_arrive_counts_each_once(site_in_each_topology):
    site = site_in_each_topology
    site.wait_idle(timeout=60)
    video_id = a_video(site)
    origin = site.api_url

    answers: list[int] = []

    def record(count: int) -> None:
        for _ in range(count):
            response = requests.post(
                f"{origin}/record-viewing/{video_id}",
                headers={"Origin": origin},
                allow_redirects=False,
                timeout=30,
            )
            answers.append(response.status_code)

    switch = home_page_switch(site)
    traffic = threading.Thread(target=record, args=(12,))
    traffic.start()
    rebuild(
        home_page_aggregator,
        store_of(site),  # the site's partitions, no settle window
        HomePageViews(site.physical_name("HomePageViewTable"), client=site.client("dynamodb")),
        pause=switch,
    )
    traffic.join()
    site.wait_idle(timeout=60)
    # A rebuild empties the view before it replays: until the video's item is back, the
    # home page does not know it is published, and a viewing of it is refused (404, nothing
    # written) — a known limit (docs/operations.md). Nothing else may happen to a viewing.
    assert len(answers) == 12
    assert set(answers) <= {303, 404}, answers
    assert 303 in answers, answers

    valid = [
        m
        for m in store_of(site).read_category("viewing", max_messages=10_000)
        if "videoId" in m.data
    ]
    views = HomePageViews(site.physical_name("HomePageViewTable"), client=site.client("dynamodb"))
    page = views.home_page(consistent=True)
    assert page.videos_watched == len(valid), console_of(site)
    assert views.get(video_id).views == len([m for m in valid if m.data["videoId"] == video_id])
