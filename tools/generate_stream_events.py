"""Write events/<function>/*.json: the batches Lambda delivers to each consumer, in both
topologies — DynamoDB stream records (``Streams``) and SQS records from a consumer's FIFO
queue, carrying what the relay publishes (``Queues``) — and the relay's own stream batch.

The images are what the message store really writes (built by MessageStore on moto), so
the samples stay true to the store's item format. Run after changing that format:
    .venv/bin/python tools/generate_stream_events.py
(``--rollup``: the home-page roll-up's sample alone, which follows the view table's stream.)
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "layers/message_store"), str(ROOT / "layers/video_tutorials"), str(ROOT)]
os.environ.update(AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1")

USER_ID = "6a1f0c2e-8b3d-4e5f-9a7b-1c2d3e4f5a60"
EMAIL = "ada@example.com"
PASSWORD_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$c2FtcGxlc2FsdHNhbHQ$3J5bqf0bH1kQw2m8c1y0o0m5xj8r2Qq1m1Zl1cY6b9E"
)
VIDEO_ID = "4c3b6a2e-5d1f-4e8a-9b7c-0a1d2e3f4a51"
BUCKET = "video-tutorials-videosbucket"
TRACE_ID = "0d4c9a6e-2f1b-4c3d-8e7f-5a6b7c8d9e01"
STREAM_ARN = (
    "arn:aws:dynamodb:us-east-1:123456789012:table/video-tutorials-MessageStoreTable"
    "/stream/2026-11-27T00:00:00.000"
)


QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:video-tutorials-{function}-queue.fifo"


def write(path: str, records: list[dict]) -> None:
    target = ROOT / "events" / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({"Records": records}, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)} ({len(records)} records)")


def main() -> None:
    from moto import mock_aws

    from devserver.resources import create_tables
    from devserver.template import Intrinsics, load_template, parameter_defaults
    from message_store import MessageStore, Metadata, aws
    from message_store.item import message_from_item
    from message_store.relay import publish_entry
    from video_tutorials.contracts import identity, send_email
    from video_tutorials.contracts import video_publishing as publishing
    from video_tutorials.contracts.video_publishing import VideoNamed, VideoPublished, video_stream
    from video_tutorials.contracts.viewing import VideoViewed, viewing_stream
    from video_tutorials.storage import published_key, s3_uri, upload_key

    with mock_aws():
        template = load_template()
        names = create_tables(
            aws.client("dynamodb"),
            template,
            lambda logical_id: f"samples-{logical_id}",
            Intrinsics(refs={**parameter_defaults(template), "AWS::StackName": "samples"}),
        )
        store = MessageStore(names["MessageStoreTable"], settle_window=0)
        metadata = Metadata(trace_id=TRACE_ID, user_id=USER_ID)
        email_id = identity.registration_email_id(USER_ID)

        register = identity.Register(user_id=USER_ID, email=EMAIL, password_hash=PASSWORD_HASH)
        store.write(identity.command_stream(USER_ID), register.to_message(metadata))
        registered = identity.Registered(user_id=USER_ID, email=EMAIL, password_hash=PASSWORD_HASH)
        store.write(identity.identity_stream(USER_ID), registered.to_message(metadata))
        command = store.read_stream(identity.command_stream(USER_ID))[0]
        fields = {
            "email_id": email_id,
            "to": EMAIL,
            "subject": "Welcome to Video Tutorials",
            "text": "Welcome!",
            "html": "<p>Welcome!</p>",
        }
        send = (
            send_email.Send(**fields)
            .to_message(Metadata(origin_stream_name=identity.identity_stream(USER_ID)))
            .follow(command)
        )
        store.write(send_email.command_stream(email_id), send)
        sent_from = store.read_stream(send_email.command_stream(email_id))[0]
        store.write(
            send_email.email_stream(email_id),
            send_email.Sent(**fields).to_message().follow(sent_from),
        )
        source = s3_uri(BUCKET, upload_key(USER_ID, VIDEO_ID))
        owned = Metadata(trace_id=TRACE_ID, user_id=USER_ID)
        publish = publishing.PublishVideo(owner_id=USER_ID, source_uri=source, video_id=VIDEO_ID)
        store.write(publishing.command_stream(VIDEO_ID), publish.to_message(owned))
        name = publishing.NameVideo(video_id=VIDEO_ID, name="Intro")
        store.write(publishing.command_stream(VIDEO_ID), name.to_message(owned))
        published = VideoPublished(
            owner_id=USER_ID,
            source_uri=source,
            transcoded_uri=s3_uri(BUCKET, published_key(VIDEO_ID)),
            video_id=VIDEO_ID,
        )
        store.write(video_stream(VIDEO_ID), published.to_message(metadata))
        store.write(
            video_stream(VIDEO_ID), VideoNamed(video_id=VIDEO_ID, name="Intro").to_message(metadata)
        )
        for _ in range(2):
            store.write(
                viewing_stream(VIDEO_ID, USER_ID),
                VideoViewed(user_id=USER_ID, video_id=VIDEO_ID).to_message(metadata),
            )

        def items(stream: str) -> list[dict]:
            return store.client.query(
                TableName=store.table_name,
                KeyConditionExpression="streamName = :s",
                ExpressionAttributeValues={":s": {"S": stream}},
                ConsistentRead=True,
            )["Items"]

        samples = {
            "identity_component/register.json": items(identity.command_stream(USER_ID)),
            "identity_component/registered.json": items(identity.identity_stream(USER_ID)),
            "identity_component/sent.json": items(send_email.email_stream(email_id)),
            "send_email_component/send.json": items(send_email.command_stream(email_id)),
            "home_page_aggregator/viewings-and-publishing.json": (
                items(video_stream(VIDEO_ID)) + items(viewing_stream(VIDEO_ID, USER_ID))
            ),
            "user_credentials_aggregator/registered.json": items(identity.identity_stream(USER_ID)),
            "video_publishing_component/publish-and-name.json": items(
                publishing.command_stream(VIDEO_ID)
            ),
            "creators_videos_aggregator/published-named-viewed.json": (
                items(video_stream(VIDEO_ID)) + items(viewing_stream(VIDEO_ID, USER_ID))
            ),
            "video_operations_aggregator/named.json": items(video_stream(VIDEO_ID))[1:],
        }
        every_item = {
            (item["streamName"]["S"], item["position"]["N"]): item
            for batch in samples.values()
            for item in batch
        }
        samples["relay/stream-batch.json"] = sorted(
            every_item.values(), key=lambda item: item["globalPosition"]["S"]
        )
        queue_samples = {
            path.replace("/", "/queue-", 1): [message_from_item(item) for item in batch]
            for path, batch in samples.items()
            if not path.startswith("relay/")
        }
    sequence = 4_000_000_000_000_000_000
    for path, messages in queue_samples.items():
        records = []
        for message in messages:
            sequence += 100
            entry = publish_entry("0", message)
            records.append(
                {
                    "messageId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{path}#{sequence}")),
                    "receiptHandle": f"AQEB{sequence:x}",
                    "body": entry["Message"],
                    "attributes": {
                        "ApproximateReceiveCount": "1",
                        "SentTimestamp": "1795814100000",
                        "SequenceNumber": str(sequence),
                        "MessageGroupId": entry["MessageGroupId"],
                        "SenderId": "AROAEXAMPLE:relay",
                        "MessageDeduplicationId": entry["MessageDeduplicationId"],
                        "ApproximateFirstReceiveTimestamp": "1795814100010",
                    },
                    "messageAttributes": {
                        name: {
                            "stringValue": value["StringValue"],
                            "stringListValues": [],
                            "binaryListValues": [],
                            "dataType": "String",
                        }
                        for name, value in entry["MessageAttributes"].items()
                    },
                    "md5OfBody": hashlib.md5(entry["Message"].encode()).hexdigest(),  # noqa: S324
                    "eventSource": "aws:sqs",
                    "eventSourceARN": QUEUE_ARN.format(function=path.split("/")[0]),
                    "awsRegion": "us-east-1",
                }
            )
        write(path, records)
    for path, batch in samples.items():
        records = []
        for item in batch:
            sequence += 100
            records.append(
                {
                    "eventID": f"{sequence:x}",
                    "eventName": "INSERT",
                    "eventVersion": "1.1",
                    "eventSource": "aws:dynamodb",
                    "awsRegion": "us-east-1",
                    "dynamodb": {
                        "ApproximateCreationDateTime": 1795814100,
                        "Keys": {"streamName": item["streamName"], "position": item["position"]},
                        "NewImage": item,
                        "SequenceNumber": str(sequence),
                        "SizeBytes": len(json.dumps(item)),
                        "StreamViewType": "NEW_IMAGE",
                    },
                    "eventSourceARN": STREAM_ARN,
                }
            )
        write(path, records)

    write_rollup_sample()


VIEW_STREAM_ARN = (
    "arn:aws:dynamodb:us-east-1:123456789012:table/video-tutorials-HomePageViewTable"
    "/stream/2026-11-27T00:00:00.000"
)


def write_rollup_sample() -> None:
    """events/home_page_rollup/count-changed.json: the home-page view table's stream records
    (keys only) the home-page aggregator's sample makes — the count item of the sample
    viewer's shard written twice, and a counter of the total — as the roll-up's mapping
    hands them over (its filter keeps count items only)."""
    from video_tutorials.contracts.viewing import viewing_stream
    from video_tutorials.views.home_page import count_key_of, total_item_id

    count = count_key_of(viewing_stream(VIDEO_ID, USER_ID))
    assert count is not None
    keys = [(count, "INSERT"), (count, "MODIFY"), (total_item_id(7), "INSERT")]
    records = []
    for n, (page_id, event) in enumerate(keys, start=1):
        item_keys = {"pageId": {"S": page_id}, "itemId": {"S": "count"}}
        records.append(
            {
                "eventID": f"{5_000_000 + n:x}",
                "eventName": event,
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": "us-east-1",
                "dynamodb": {
                    "ApproximateCreationDateTime": 1795814101,
                    "Keys": item_keys,
                    "SequenceNumber": str(5_000_000_000_000_000_000 + n * 100),
                    "SizeBytes": len(json.dumps(item_keys)),
                    "StreamViewType": "KEYS_ONLY",
                },
                "eventSourceARN": VIEW_STREAM_ARN,
            }
        )
    write("home_page_rollup/count-changed.json", records)


if __name__ == "__main__":
    if sys.argv[1:] == ["--rollup"]:
        write_rollup_sample()
    else:
        main()
