"""The relay: the message store's one stream reader in the ``Queues`` topology.

AWS advises at most two Lambda readers per DynamoDB stream shard, and the app has more
consumers than that. So the relay alone reads the stream and publishes each new message
that some consumer declares to one SNS FIFO topic; each consumer's FIFO queue subscribes
with a filter policy. A message goes out as its JSON form (``StoredMessage.to_json``) with:

- ``MessageGroupId`` = its stream name: order holds per stream, consumers scale across streams;
- ``MessageDeduplicationId`` = stream name and position: a relay retry publishes nothing twice
  (within SNS's five-minute deduplication window; consumers are idempotent beyond it);
- message attributes ``category``, ``type`` and, when it answers another stream,
  ``originCategory`` — what the consumers' filter policies match.

Publishing stops at the first failure, which fails that record and the rest of the batch.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from . import aws
from .consumer import ConsumerRuntime, Metrics
from .declaration import (
    CATEGORY_ATTRIBUTE,
    ORIGIN_CATEGORY_ATTRIBUTE,
    TYPE_ATTRIBUTE,
    Declaration,
    origin_category,
)
from .delivery import BatchResponse, Delivery, read_batch
from .errors import MessageStoreUnavailableError
from .message import StoredMessage
from .progress import ProgressRecorder
from .skips import SkipRecorder
from .stream_name import category as category_of

#: SNS's limits: 10 entries and 256 KiB of payload (bodies and attributes) per PublishBatch.
MAX_ENTRIES = 10
MAX_BATCH_BYTES = 256 * 1024
#: MessageGroupId and MessageDeduplicationId are at most 128 characters.
MAX_ID_LENGTH = 128


def group_id(stream_name: str) -> str:
    """The message group of a stream: its name (hashed when longer than SNS allows)."""
    return _bounded(stream_name)


def deduplication_id(stream_name: str, position: int) -> str:
    """What makes a message unique on the topic: its stream and position."""
    return _bounded(f"{stream_name}@{position}")


def _bounded(text: str) -> str:
    if len(text) <= MAX_ID_LENGTH:
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()[:40]
    return f"{text[: MAX_ID_LENGTH - 41]}~{digest}"


def publish_entry(entry_id: str, message: StoredMessage) -> dict[str, Any]:
    """The ``PublishBatch`` entry of one message."""
    attributes = {
        CATEGORY_ATTRIBUTE: category_of(message.stream_name),
        TYPE_ATTRIBUTE: message.type,
    }
    origin = origin_category(message)
    if origin:
        attributes[ORIGIN_CATEGORY_ATTRIBUTE] = origin
    return {
        "Id": entry_id,
        "Message": json.dumps(message.to_json(), separators=(",", ":"), ensure_ascii=False),
        "MessageGroupId": group_id(message.stream_name),
        "MessageDeduplicationId": deduplication_id(message.stream_name, message.position),
        "MessageAttributes": {
            name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()
        },
    }


def _entry_size(entry: Mapping[str, Any]) -> int:
    attributes = entry["MessageAttributes"].items()
    return len(entry["Message"].encode()) + sum(
        len(name) + len(value["DataType"]) + len(value["StringValue"].encode())
        for name, value in attributes
    )


class Relay(ConsumerRuntime):
    """Publishes the store's new messages that ``declaration`` reads to an SNS FIFO topic."""

    def __init__(
        self,
        topic_arn: str,
        declaration: Declaration,
        *,
        client: Any | None = None,
        logger: Any = None,
        skips: SkipRecorder | None = None,
        metrics: Metrics | None = None,
        progress: ProgressRecorder | None = None,
    ) -> None:
        super().__init__(
            declaration, logger=logger, skips=skips, metrics=metrics, progress=progress
        )
        self.topic_arn = topic_arn
        self._client = client

    client = aws.LazyClient("sns")

    def handle_event(self, event: Mapping[str, Any]) -> BatchResponse:
        """Publish a DynamoDB Streams batch; the Lambda handler returns what this returns."""
        batch = read_batch(event)
        pending: list[tuple[Delivery, dict[str, Any]]] = []
        for delivery in batch.deliveries:
            message = delivery.message
            if message is not None:
                if self.declaration.accepts(message):
                    pending.append((delivery, publish_entry(str(len(pending)), message)))
                continue
            # what precedes an unreadable record goes out first, in order
            failed = self._publish_all(pending)
            pending = []
            if failed is not None:
                return self.failed(failed[0], batch, failed[1])
            try:
                self.skip_unreadable(delivery)
            except Exception as exc:
                return self.failed(delivery, batch, exc)
        failed = self._publish_all(pending)
        if failed is not None:
            return self.failed(failed[0], batch, failed[1])
        self.finished(batch)
        return batch.succeeded()

    def _publish_all(
        self, pending: list[tuple[Delivery, dict[str, Any]]]
    ) -> tuple[Delivery, Exception] | None:
        """Publish ``pending`` chunk by chunk; the first delivery that did not go out."""
        for chunk in _chunks(pending):
            failed = self._publish(chunk)
            if failed is not None:
                return failed
        return None

    def _publish(
        self, chunk: list[tuple[Delivery, dict[str, Any]]]
    ) -> tuple[Delivery, Exception] | None:
        """Publish one chunk; the first delivery that did not go out, and why."""
        try:
            response = self.client.publish_batch(
                TopicArn=self.topic_arn, PublishBatchRequestEntries=[e for _, e in chunk]
            )
        except Exception as exc:
            return chunk[0][0], MessageStoreUnavailableError(
                f"SNS PublishBatch failed: {aws.error_code(exc) or exc}"
            )
        failed = {f["Id"]: f for f in response.get("Failed") or []}
        for delivery, entry in chunk:
            if entry["Id"] in failed:
                reason = failed[entry["Id"]]
                return delivery, MessageStoreUnavailableError(
                    f"SNS refused {delivery.address}: {reason.get('Code')}: {reason.get('Message')}"
                )
        return None


def _chunks(
    pending: list[tuple[Delivery, dict[str, Any]]],
) -> list[list[tuple[Delivery, dict[str, Any]]]]:
    """``pending`` in PublishBatch-sized chunks (10 entries, 256 KiB), order kept."""
    chunks: list[list[tuple[Delivery, dict[str, Any]]]] = []
    size = 0
    for pair in pending:
        entry_size = _entry_size(pair[1])
        if not chunks or len(chunks[-1]) == MAX_ENTRIES or size + entry_size > MAX_BATCH_BYTES:
            chunks.append([])
            size = 0
        chunks[-1].append(pair)
        size += entry_size
    return chunks
