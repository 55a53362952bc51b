"""Waking exactly the sources that read what was just written.

A poller is woken as soon as something it reads has been written, so a view is current
within milliseconds; between wake-ups it polls at the poll interval as before (what was
written elsewhere, messages whose visibility timeout ran out). The emulator reports each
write (see ``devserver.emulator.writes``): a DynamoDB write wakes the reader of that
table's stream; an SQS send wakes the pollers of that queue; an SNS publish wakes the
pollers of the queues subscribed to that topic. A write whose targets are unknown wakes
every source of its service. Without the embedded emulator nothing reports writes, so
every source is woken when an invocation ends instead (``wake_all``).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Protocol


class Wakeable(Protocol):
    """A source that can be told to read now."""

    def wake(self) -> None: ...


def table_of_stream(stream_arn: str) -> str:
    """The table name in a DynamoDB stream ARN (``…:table/NAME/stream/…``)."""
    return stream_arn.split(":table/", 1)[-1].split("/stream/", 1)[0]


def queue_name(url_or_arn: str) -> str:
    """A queue's name from its URL (``…/ACCOUNT/NAME``) or ARN (``…:NAME``)."""
    return url_or_arn.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]


class WakeUps:
    """Who reads what: streams by table, queue pollers by queue, queues by topic."""

    def __init__(self, subscriptions: Mapping[str, Iterable[str]] | None = None) -> None:
        #: topic ARN → the names of the queues subscribed to it
        self.subscriptions = {topic: set(queues) for topic, queues in (subscriptions or {}).items()}
        self._streams: dict[str, list[Wakeable]] = defaultdict(list)
        self._queues: dict[str, list[Wakeable]] = defaultdict(list)
        # writes are reported on the emulator's event thread while pollers are being added
        self._lock = threading.Lock()

    def add_stream(self, stream_arn: str, reader: Wakeable) -> None:
        """A reader of a table's stream."""
        with self._lock:
            self._streams[table_of_stream(stream_arn)].append(reader)

    def add_queue(self, queue_arn: str, poller: Wakeable) -> None:
        """A poller of a queue."""
        with self._lock:
            self._queues[queue_name(queue_arn)].append(poller)

    def on_write(self, service: str, targets: Iterable[str] | None) -> None:
        """Wake the sources that read what a write of ``service`` changed."""
        if service == "dynamodb":
            self._wake(self._streams, None if targets is None else list(targets))
        elif service == "sqs":
            names = None if targets is None else [queue_name(t) for t in targets]
            self._wake(self._queues, names)
        elif service == "sns":
            topics = None if targets is None else list(targets)
            if topics is None or any(topic not in self.subscriptions for topic in topics):
                self._wake(self._queues, None)  # a topic the template does not subscribe
            else:
                names = [name for topic in topics for name in self.subscriptions[topic]]
                self._wake(self._queues, names)

    def wake_all(self) -> None:
        """Wake every source (nothing says what was written)."""
        self._wake(self._streams, None)
        self._wake(self._queues, None)

    def _wake(self, readers: Mapping[str, list[Wakeable]], keys: list[str] | None) -> None:
        with self._lock:
            chosen = readers.values() if keys is None else [readers.get(key, []) for key in keys]
            woken = [reader for group in chosen for reader in group]
        for reader in woken:
            reader.wake()
