"""An SQS event source mapping, with Lambda's poller semantics, on a standard or FIFO queue.

The poller receives with short polls (``WaitTimeSeconds`` 0: the embedded emulator serves
one request at a time, a long poll would hold it) and is woken when something may have
arrived; between wake-ups it polls every poll interval. It:

- gathers up to ``BatchSize`` messages (ten a ``ReceiveMessage``; at most 6 MB), waiting up
  to ``MaximumBatchingWindowInSeconds`` for a batch to fill (standard queues only);
- deletes at once the messages its ``FilterCriteria`` do not match (the body is matched as
  JSON when it is JSON), as Lambda does;
- invokes the function with ``{"Records": [...]}`` in Lambda's shape (``messageId``,
  ``receiptHandle``, ``body``, ``attributes``, ``messageAttributes``, ``md5OfBody``,
  ``eventSource`` ``aws:sqs``, ``eventSourceARN``, ``awsRegion``);
- on success deletes the batch (``DeleteMessageBatch``); with ``ReportBatchItemFailures``
  deletes all but the messages named (``itemIdentifier`` = ``messageId``; one not in the
  batch fails the whole batch); on a function error deletes nothing;
- leaves what it did not delete to the queue: those messages come back after the queue's
  visibility timeout, and after ``maxReceiveCount`` receives the queue's redrive policy
  moves them to its dead-letter queue (the emulator does that, as SQS does);
- when the function could not be invoked (chaos' throttle) retries the same batch while
  its messages are still invisible, as Lambda does, then leaves them to the queue.

Order per message group on FIFO queues is the queue's: it holds a group back while one of
its messages is in flight. ``idle()`` is true once a poll found the queue empty: no
visible, in-flight or delayed messages (``GetQueueAttributes``).
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from typing import Any

from ..console import Console
from ..template import TemplateError
from ..template.event_sources import QueueSource
from ..template.functions import FunctionSpec
from .filters import FilterPattern, matches_any
from .invocation import ERROR, OK, PARTIAL, THROTTLED, Attempts, BatchInvoker, BatchResult
from .poller import DISABLED, Poller
from .rounds import Rounds

MAX_PAYLOAD_BYTES = 6 * 1024 * 1024
# a receive of ten messages of SQS's largest size must still fit the payload limit
_RECEIVE_HEADROOM = 10 * 1024 * 1024 // 4
_COUNTS = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
)
# the system attributes Lambda passes on, in its order
_SYSTEM_ATTRIBUTES = (
    "ApproximateReceiveCount",
    "SentTimestamp",
    "SenderId",
    "ApproximateFirstReceiveTimestamp",
    "SequenceNumber",
    "MessageGroupId",
    "MessageDeduplicationId",
    "AWSTraceHeader",
    "DeadLetterQueueSourceArn",
)


def lambda_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """A received SQS message as Lambda delivers it to a function."""
    attributes = message.get("Attributes") or {}
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": {k: attributes[k] for k in _SYSTEM_ATTRIBUTES if k in attributes},
        "messageAttributes": {
            name: _message_attribute(value)
            for name, value in (message.get("MessageAttributes") or {}).items()
        },
        "md5OfBody": message.get("MD5OfBody"),
    }
    if message.get("MD5OfMessageAttributes"):
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    record.update({"eventSource": "aws:sqs", "eventSourceARN": queue_arn, "awsRegion": region})
    return record


def _message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    attribute: dict[str, Any] = {}
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        attribute["binaryValue"] = _base64(value["BinaryValue"])
    attribute["stringListValues"] = list(value.get("StringListValues") or [])
    attribute["binaryListValues"] = [_base64(b) for b in value.get("BinaryListValues") or []]
    attribute["dataType"] = value["DataType"]
    return attribute


def _base64(value: bytes | str) -> str:
    return value if isinstance(value, str) else base64.b64encode(value).decode()


def describe_record(record: dict[str, Any]) -> str:
    """A record, for the console: its message group (FIFO) and message id."""
    group = record["attributes"].get("MessageGroupId")
    return f"group={group} id={record['messageId']}" if group else f"id={record['messageId']}"


def filter_view(record: dict[str, Any]) -> dict[str, Any]:
    """The record as Lambda's filters see it: a JSON body is matched as JSON."""
    try:
        body = json.loads(record["body"])
    except ValueError:
        return record
    return {**record, "body": body}


def _add(batch: list[dict[str, Any]], records: list[dict[str, Any]]) -> int:
    """Add records to a batch, return the bytes added. A message received again (its
    visibility timeout ran out during the batching window) keeps its place in the batch,
    with its newest receipt handle (the one a delete needs)."""
    positions = {record["messageId"]: i for i, record in enumerate(batch)}
    added = 0
    for record in records:
        if record["messageId"] in positions:
            batch[positions[record["messageId"]]] = record
        else:
            positions[record["messageId"]] = len(batch)
            batch.append(record)
            added += len(json.dumps(record))
    return added


class QueuePoller(Poller):
    """One SQS mapping: receives, filters, invokes, deletes what succeeded."""

    mapping: QueueSource

    def __init__(
        self,
        mapping: QueueSource,
        spec: FunctionSpec,
        invoker: BatchInvoker,
        console: Console,
        client: Any,
        queue_url: str,
        *,
        region: str,
        filters: tuple[FilterPattern, ...] = (),
        interval: float = 0.25,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(mapping, spec, invoker, console, interval=interval, clock=clock)
        self.client = client
        self.queue_url = queue_url
        self.region = region
        self.filters = filters
        self.visibility_timeout = 30.0
        self.counts = dict.fromkeys(_COUNTS, 0)
        self._condition = threading.Condition()
        #: one round: deliver a batch, or find none and look at the queue's counts
        self.rounds = Rounds(self._condition, interval)
        self._known_empty = False

    # --- life cycle and waking ------------------------------------------------------------

    def _check(self) -> None:
        attributes = self.client.get_queue_attributes(
            QueueUrl=self.queue_url, AttributeNames=["VisibilityTimeout"]
        )["Attributes"]
        self.visibility_timeout = float(attributes.get("VisibilityTimeout", 30))
        if self.visibility_timeout < self.spec.timeout:
            # Lambda refuses the mapping: a batch could come back while it is still running.
            raise TemplateError(
                f"{self.name}: the queue's visibility timeout ({self.visibility_timeout:g} s) "
                f"is less than {self.spec.logical_id}'s Timeout ({self.spec.timeout} s)"
            )

    def _interrupt(self) -> None:
        self.rounds.wake()

    def _disabled(self) -> None:
        self.rounds.notify()  # a ``sync`` under way needs no more rounds

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the batch being delivered (if any) and stop."""
        self.rounds.stop()
        super().stop(timeout)

    def wake(self) -> None:
        """Poll now rather than at the next interval (something may have arrived)."""
        with self._condition:
            self._known_empty = False
        self.rounds.wake()

    def sync(self, deadline: float) -> bool:
        """Wait until a poll that started after this call looked at the queue's counts."""
        if self.state == DISABLED:
            return True  # a disabled mapping reads nothing (and does not count)
        with self._condition:
            self._known_empty = False
        # one being disabled may settle before another round: then it does not count either
        return self.rounds.fresh(deadline, settled=lambda: self.state == DISABLED)

    def pending(self) -> int:
        """Messages in the queue at the last look: visible, in flight or delayed."""
        return sum(self.counts.values())

    # --- the loop -------------------------------------------------------------------------

    def _step(self) -> None:
        self.status = "polling"
        self.rounds.begin()
        records = self._receive_batch()
        if records and self._halting():
            # disabled (or stopped) while it received: no new invocation; the messages go
            # back to the queue, visible at once, for when the mapping is enabled again
            self._return(records)
            records = []
        if records:
            self._deliver(records)
            self.rounds.finished()
            return
        self._look_at_counts()
        self.status = "idle"
        self._idle.set()
        self.rounds.finished()
        self.rounds.pause()

    def _look_at_counts(self) -> None:
        """The queue's counts, unless it was found empty and nothing was sent since."""
        with self._condition:
            if self._known_empty:
                return
        attributes = self.client.get_queue_attributes(
            QueueUrl=self.queue_url, AttributeNames=list(_COUNTS)
        )["Attributes"]
        counts = {name: int(attributes.get(name, 0)) for name in _COUNTS}
        with self._condition:
            self.counts = counts
            self._known_empty = not any(counts.values())

    def _receive_batch(self) -> list[dict[str, Any]]:
        """Up to ``BatchSize`` records, waiting for the batching window when there is one."""
        mapping = self.mapping
        batch: list[dict[str, Any]] = []
        size = 0
        deadline: float | None = None
        while len(batch) < mapping.batch_size and not self._halting():
            wanted = min(10, mapping.batch_size - len(batch))
            received = self.client.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=wanted,
                WaitTimeSeconds=0,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if received:
                self._idle.clear()
                with self._condition:
                    self._known_empty = False
            records = [lambda_record(m, mapping.queue_arn, self.region) for m in received]
            size += _add(batch, records)
            if size > MAX_PAYLOAD_BYTES - _RECEIVE_HEADROOM:
                break
            if len(received) == wanted:
                continue  # there may be more right away
            if not batch or mapping.batching_window <= 0:
                break
            if deadline is None:
                deadline = time.monotonic() + mapping.batching_window
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self.status = "batching"
            with self._condition:
                if not self._halting():
                    self._condition.wait(min(remaining, max(self.interval, 0.01)))
        return batch

    def _deliver(self, records: list[dict[str, Any]]) -> None:
        received = time.monotonic()
        kept = [r for r in records if matches_any(self.filters, filter_view(r))]
        if len(kept) < len(records):
            self._delete([r for r in records if r not in kept])
        if not kept:
            return
        self.status = "invoking"
        attempts = Attempts()
        while True:
            result = self.invoker.invoke(kept, [r["messageId"] for r in kept], attempts)
            if result.outcome != THROTTLED:
                break
            left = self.visibility_timeout - (time.monotonic() - received)
            if left <= 0:
                self._batch_line(
                    len(kept),
                    len(kept),
                    result.elapsed_ms,
                    "not invoked (chaos): the messages return after the visibility timeout",
                )
                return
            self._batch_line(
                len(kept), len(kept), result.elapsed_ms, "not invoked (chaos): retried"
            )
            self._backoff(attempts.invocations)
            if self._halting():
                return  # the messages return to the queue after their visibility timeout
        self._settle(kept, result)

    def _settle(self, records: list[dict[str, Any]], result: BatchResult) -> None:
        """Delete what succeeded; say what returns to the queue."""
        if result.outcome == OK:
            self._delete(records)
            self._batch_line(len(records), 0, result.elapsed_ms)
            return
        failed = set(result.failed) if result.outcome == PARTIAL else set(range(len(records)))
        self._delete([r for i, r in enumerate(records) if i not in failed])
        what = "partial failure" if result.outcome == PARTIAL else "error"
        assert result.outcome in (PARTIAL, ERROR)
        self._batch_line(
            len(records),
            len(failed),
            result.elapsed_ms,
            f"{what}: back after the visibility timeout ({self.visibility_timeout:g} s)",
            [describe_record(r) for i, r in enumerate(records) if i in failed],
        )

    def _return(self, records: list[dict[str, Any]]) -> None:
        for start in range(0, len(records), 10):
            chunk = records[start : start + 10]
            self.client.change_message_visibility_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": r["receiptHandle"], "VisibilityTimeout": 0}
                    for i, r in enumerate(chunk)
                ],
            )

    def _delete(self, records: list[dict[str, Any]]) -> None:
        for start in range(0, len(records), 10):
            chunk = records[start : start + 10]
            response = self.client.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": r["receiptHandle"]} for i, r in enumerate(chunk)
                ],
            )
            for failure in response.get("Failed") or []:
                record = chunk[int(failure["Id"])]
                self.console.notice(
                    f"{self.name}: message {record['messageId']} was not deleted "
                    f"({failure.get('Code')}): it will be delivered again"
                )
