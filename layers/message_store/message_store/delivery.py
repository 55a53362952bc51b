"""Batches as Lambda delivers them, in either topology, turned into messages.

- **Streams**: a DynamoDB Streams event; each record's ``NewImage`` is a message-store item;
  ``batchItemFailures`` name records by ``SequenceNumber``. Only inserts carry messages.
- **Queues**: an SQS event from a consumer's FIFO queue, fed by the relay through SNS with
  raw delivery; each record's ``body`` is the message as JSON (``StoredMessage.to_json``);
  ``batchItemFailures`` name records by ``messageId``.

Both give the same ``StoredMessage``: no handler knows which topology delivered it. A record
that carries no readable message is still a delivery (with the reason), so the consumer
can skip it and record where it was, rather than stop on it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from .item import message_from_item
from .message import StoredMessage


class BatchItemFailure(TypedDict):
    itemIdentifier: str


class BatchResponse(TypedDict):
    batchItemFailures: list[BatchItemFailure]


@dataclass(frozen=True)
class Delivery:
    """One record of a batch: its index in the batch and the message it carries.

    ``message`` is ``None`` when the record is not a readable message; ``problem`` then says
    why and ``address`` what is known of where it came from.
    """

    index: int
    item_id: str
    message: StoredMessage | None
    problem: str | None = None
    address: str = "?"


@dataclass(frozen=True)
class Batch:
    """One invocation's records: their identifiers and the deliveries among them."""

    item_ids: tuple[str, ...]
    deliveries: tuple[Delivery, ...]

    def failures_from(self, index: int) -> BatchResponse:
        """The response that fails record ``index`` and every record after it."""
        return {"batchItemFailures": [{"itemIdentifier": i} for i in self.item_ids[index:]]}

    @staticmethod
    def succeeded() -> BatchResponse:
        """The response of a batch that succeeded whole."""
        return {"batchItemFailures": []}


def read_batch(event: Mapping[str, Any]) -> Batch:
    """The batch of a DynamoDB Streams or SQS event (empty for anything else)."""
    records = event.get("Records") if isinstance(event, Mapping) else None
    if not isinstance(records, Sequence):
        return Batch((), ())
    item_ids: list[str] = []
    deliveries: list[Delivery] = []
    for index, record in enumerate(records):
        if not isinstance(record, Mapping):
            item_ids.append("")
            continue
        if record.get("eventSource") == "aws:sqs" or "receiptHandle" in record:
            item_ids.append(str(record.get("messageId", "")))
            deliveries.append(_from_queue(index, record))
        else:
            dynamodb = record.get("dynamodb") or {}
            item_ids.append(str(dynamodb.get("SequenceNumber", "")))
            if record.get("eventName") == "INSERT":  # the store never modifies or removes
                deliveries.append(_from_stream(index, dynamodb))
    return Batch(tuple(item_ids), tuple(deliveries))


def _from_stream(index: int, dynamodb: Mapping[str, Any]) -> Delivery:
    item_id = str(dynamodb.get("SequenceNumber", ""))
    keys = dynamodb.get("Keys") or {}
    address = _address(
        (keys.get("streamName") or {}).get("S"), (keys.get("position") or {}).get("N")
    )
    try:
        message = message_from_item(dynamodb["NewImage"])
    except (KeyError, TypeError, ValueError) as exc:
        return Delivery(index, item_id, None, f"not a message-store item: {exc!r}", address)
    return Delivery(index, item_id, message, address=_address_of(message))


def _from_queue(index: int, record: Mapping[str, Any]) -> Delivery:
    item_id = str(record.get("messageId", ""))
    group = (record.get("attributes") or {}).get("MessageGroupId")
    try:
        message = StoredMessage.from_json(json.loads(record["body"]))
    except (KeyError, TypeError, ValueError) as exc:
        return Delivery(index, item_id, None, f"not a message: {exc!r}", _address(group, None))
    return Delivery(index, item_id, message, address=_address_of(message))


def _address_of(message: StoredMessage) -> str:
    return _address(message.stream_name, message.position)


def _address(stream_name: object, position: object) -> str:
    return f"{stream_name or '?'}/{'?' if position is None else position}"
