"""Deliver the dead letters again, once their cause is fixed: ``python -m video_tutorials.redrive``.

What reached a dead-letter queue failed every retry (a transient cause that lasted: an
outage, a bug since fixed). Consumers are idempotent, so delivering a letter again is safe.

- **Queues topology**: each consumer's FIFO dead-letter queue holds the messages themselves
  (their address is in the body). They go back to the consumer's queue, in their order per
  stream (message group), and leave the dead-letter queue.
- **Streams topology** (and the relay of the Queues topology): the shared dead-letter queue
  holds Lambda's record of a failed batch (function, shard, first and last sequence number).
  The batch's records are read again from the stream — within its 24 hours — and the
  function is invoked with them; a letter whose batch then succeeds leaves the queue.

It says what it did: each letter's messages (stream/position, type) and the outcome.
"""

from __future__ import annotations

import argparse
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from message_store.delivery import read_batch
from message_store.registry import Consumer

from . import stack as stacks
from .consumers import all_consumers, dead_letter_queue_id, function_id, queue_id
from .stack import Stack

STREAM_DEAD_LETTERS = "ConsumerDeadLetterQueue"
_RECEIVE = {
    "MaxNumberOfMessages": 10,
    "AttributeNames": ["All"],
    "MessageAttributeNames": ["All"],
    "VisibilityTimeout": 60,
}

Say = Callable[[str], None]


@dataclass
class Outcome:
    """What a redrive did: letters delivered again, letters left (with why)."""

    delivered: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)


def _letters(sqs: Any, queue_url: str) -> Iterator[dict[str, Any]]:
    """The letters of a queue, each received once (until the queue is empty)."""
    seen: set[str] = set()
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, **_RECEIVE).get("Messages", [])
        fresh = [m for m in messages if m["MessageId"] not in seen]
        if not fresh:
            return
        for message in fresh:
            seen.add(message["MessageId"])
            yield message


def _address(body: str) -> str:
    try:
        document = json.loads(body)
        return f"{document['streamName']}/{document['position']} {document['type']}"
    except (ValueError, KeyError, TypeError):
        return "(not a message)"


def redrive_queue(stack: Stack, consumer: Consumer, say: Say, *, dry_run: bool = False) -> Outcome:
    """Move a consumer's dead letters back to its queue (Queues topology)."""
    sqs = stack.client("sqs")
    source = stack.physical_id(queue_id(consumer))
    dead = stack.physical_id(dead_letter_queue_id(consumer))
    outcome = Outcome()
    for letter in _letters(sqs, dead):
        address = _address(letter["Body"])
        if dry_run:
            outcome.left.append(address)
            continue
        attributes = letter.get("Attributes", {})
        sqs.send_message(
            QueueUrl=source,
            MessageBody=letter["Body"],
            MessageAttributes=letter.get("MessageAttributes", {}),
            MessageGroupId=attributes["MessageGroupId"],
            # a fresh id: the message's own would be dropped within SQS's 5-minute window
            MessageDeduplicationId=f"redrive-{uuid.uuid4().hex}",
        )
        sqs.delete_message(QueueUrl=dead, ReceiptHandle=letter["ReceiptHandle"])
        outcome.delivered.append(address)
    _report(say, consumer.name, "queue", outcome, dry_run)
    return outcome


def redrive_stream_batches(
    stack: Stack, say: Say, *, functions: set[str] | None = None, dry_run: bool = False
) -> Outcome:
    """Invoke each failed batch's function again with its records (Streams topology)."""
    sqs = stack.client("sqs")
    dead = stack.physical_id(STREAM_DEAD_LETTERS)
    outcome = Outcome()
    for letter in _letters(sqs, dead):
        record = json.loads(letter["Body"])
        function = record["requestContext"]["functionArn"].split(":function:")[-1].split(":")[0]
        if functions is not None and function not in functions:
            continue
        info = record["DDBStreamBatchInfo"]
        try:
            records = _stream_records(stack.client("dynamodbstreams"), info)
        except Exception as exc:
            outcome.left.append(f"{function}: its records cannot be read again ({exc})")
            continue
        batch = read_batch({"Records": records})
        addresses = ", ".join(f"{d.address}" for d in batch.deliveries) or "no record"
        if dry_run:
            outcome.left.append(f"{function}: {addresses}")
            continue
        failure = _invoke(stack.client("lambda"), function, {"Records": records})
        if failure is None:
            sqs.delete_message(QueueUrl=dead, ReceiptHandle=letter["ReceiptHandle"])
            outcome.delivered.append(f"{function}: {addresses}")
        else:
            outcome.left.append(f"{function}: {addresses}: {failure}")
    _report(say, "stream mappings", "stream", outcome, dry_run)
    return outcome


def _stream_records(streams: Any, info: dict[str, Any]) -> list[dict[str, Any]]:
    """The batch's records, ``startSequenceNumber`` to ``endSequenceNumber``, as Lambda sends."""
    iterator = streams.get_shard_iterator(
        StreamArn=info["streamArn"],
        ShardId=info["shardId"],
        ShardIteratorType="AT_SEQUENCE_NUMBER",
        SequenceNumber=info["startSequenceNumber"],
    )["ShardIterator"]
    end = int(info["endSequenceNumber"])
    records: list[dict[str, Any]] = []
    region = info["streamArn"].split(":")[3]
    while iterator:
        page = streams.get_records(ShardIterator=iterator, Limit=1000)
        for raw in page.get("Records", []):
            if int(raw["dynamodb"]["SequenceNumber"]) > end:
                return records
            records.append(_lambda_record(raw, info["streamArn"], region))
        if not page.get("Records"):
            return records
        iterator = page.get("NextShardIterator")
    return records


def _lambda_record(raw: dict[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """A DynamoDB Streams API record as a consumer reads it: its keys, image, sequence number
    (what ``message_store.delivery`` reads of a record Lambda delivers)."""
    dynamodb = raw["dynamodb"]
    return {
        "eventID": raw["eventID"],
        "eventName": raw["eventName"],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": {
            "Keys": dynamodb["Keys"],
            "NewImage": dynamodb.get("NewImage", {}),
            "SequenceNumber": dynamodb["SequenceNumber"],
            "StreamViewType": dynamodb.get("StreamViewType", "NEW_IMAGE"),
        },
        "eventSourceARN": stream_arn,
    }


def _invoke(lambda_client: Any, function: str, event: dict[str, Any]) -> str | None:
    """Invoke ``function``; ``None`` when the whole batch succeeded, else what failed."""
    response = lambda_client.invoke(FunctionName=function, Payload=json.dumps(event).encode())
    payload = json.loads(response["Payload"].read() or b"null")
    if response.get("FunctionError"):
        return f"{payload.get('errorType')}: {payload.get('errorMessage')}"
    failures = (payload or {}).get("batchItemFailures") if isinstance(payload, dict) else None
    if failures:
        return f"{len(failures)} record(s) failed again"
    return None


def _report(say: Say, who: str, kind: str, outcome: Outcome, dry_run: bool) -> None:
    if dry_run:
        say(f"{who}: {len(outcome.left)} dead letter(s) in the {kind} dead-letter queue")
        for line in outcome.left:
            say(f"  {line}")
        return
    say(f"{who}: {len(outcome.delivered)} dead letter(s) delivered again")
    for line in outcome.delivered:
        say(f"  {line}")
    for line in outcome.left:
        say(f"  left in the dead-letter queue: {line}")


def redrive(
    stack: Stack, say: Say, *, names: list[str] | None = None, dry_run: bool = False
) -> Outcome:
    """Deliver again the dead letters of ``names`` (every consumer by default) in the
    deployment's topology, and the relay's failed batches; what was done, in all."""
    consumers = all_consumers()
    chosen = [consumers[name] for name in (names or sorted(consumers))]
    total = Outcome()
    queued = [c for c in chosen if stack.has(queue_id(c))]
    for consumer in queued:
        part = redrive_queue(stack, consumer, say, dry_run=dry_run)
        total.delivered += part.delivered
        total.left += part.left
    if stack.has(STREAM_DEAD_LETTERS):
        functions = {stack.physical_id(function_id(c)) for c in chosen if c not in queued}
        if not names and stack.has("RelayFunction"):
            functions.add(stack.physical_id("RelayFunction"))
        part = redrive_stream_batches(stack, say, functions=functions, dry_run=dry_run)
        total.delivered += part.delivered
        total.left += part.left
    return total


def main(argv: list[str] | None = None) -> int:
    """The command line; exit status 1 when letters were left in a dead-letter queue."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("consumers", nargs="*", metavar="CONSUMER", help="default: all")
    parser.add_argument("--dry-run", action="store_true", help="list the dead letters only")
    stacks.add_arguments(parser)
    arguments = parser.parse_args(argv)
    unknown = sorted(set(arguments.consumers) - set(all_consumers()))
    if unknown:
        parser.error(f"no consumer {', '.join(unknown)}: one of {', '.join(all_consumers())}")
    stack = stacks.from_arguments(arguments)
    outcome = redrive(stack, print, names=arguments.consumers or None, dry_run=arguments.dry_run)
    return 1 if outcome.left and not arguments.dry_run else 0


if __name__ == "__main__":
    raise SystemExit(main())
