"""What a request writes that an event source mapping reads: the table, queue or topic.

The devserver wakes exactly the pollers that read what was written (DESIGN section 6), so
the child reports, for each successful write of interest, its service, action and
targets: table names for DynamoDB writes (``TransactWriteItems`` and ``BatchWriteItem``
name several), queue URLs for SQS sends, topic ARNs for SNS publishes. Targets are None
when the request does not name them plainly (a PartiQL statement): every reader of that
service is woken then. Reads and other services report nothing; only the bodies of the
writes reported are parsed.

An SNS publish is reported as the SQS sends it made (``queues_delivered_to``): the queues
whose subscriptions' filter policies took the message, not every queue subscribed to the
topic — in the ``Queues`` topology every consumer's queue is, and a poller woken for
nothing spends a receive and a look at its counts. A publish that reached no queue this
way is reported by its topic, as before.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

_SERVICE = re.compile(r"/([a-z0-9-]+)/aws4_request")
_DYNAMODB_WRITES = frozenset(
    {
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "BatchWriteItem",
        "TransactWriteItems",
        "ExecuteStatement",
        "BatchExecuteStatement",
        "ExecuteTransaction",
    }
)
_SQS_WRITES = frozenset(
    {"SendMessage", "SendMessageBatch", "ChangeMessageVisibility", "ChangeMessageVisibilityBatch"}
)
_SNS_WRITES = frozenset({"Publish", "PublishBatch"})


@dataclass(frozen=True)
class Write:
    """A write a poller may be waiting for: its service, action and targets (None: any)."""

    service: str
    action: str
    targets: tuple[str, ...] | None

    def to_event(self) -> dict[str, Any]:
        """The event-pipe line that reports it."""
        targets = list(self.targets) if self.targets is not None else None
        return {
            "event": "write",
            "service": self.service,
            "action": self.action,
            "targets": targets,
        }


_deliveries = threading.local()


@contextlib.contextmanager
def queues_delivered_to() -> Iterator[list[str]]:
    """The names of the queues moto sends to on this thread while the block runs (what an
    SNS publish delivered to its subscribed queues); ``watch_queue_deliveries`` first."""
    found: list[str] = []
    _deliveries.queues = found
    try:
        yield found
    finally:
        _deliveries.queues = None


def watch_queue_deliveries() -> None:
    """Note the queue of every message moto's SQS backend takes (once per process)."""
    from moto.sqs.models import SQSBackend

    for name in ("send_message", "send_message_batch"):
        original = getattr(SQSBackend, name)
        if getattr(original, "_devserver_watched", False):
            continue
        setattr(SQSBackend, name, _noting_queue(original))


def _noting_queue(send: Callable[..., Any]) -> Callable[..., Any]:
    def noting(self: Any, queue_name: str, *args: Any, **kwargs: Any) -> Any:
        result = send(self, queue_name, *args, **kwargs)
        found = getattr(_deliveries, "queues", None)
        if found is not None:
            found.append(queue_name)
        return result

    noting._devserver_watched = True  # type: ignore[attr-defined]
    return noting


def delivered(write: Write, queues: list[str]) -> Write:
    """An SNS publish's write as the SQS sends it made (unchanged when it made none)."""
    if write.service != "sns" or not queues:
        return write
    return Write("sqs", write.action, tuple(sorted(set(queues))))


def service_of(environ: dict[str, Any]) -> str:
    """The service a request is signed for (``dynamodb``, ``sqs`` …; empty when unsigned)."""
    match = _SERVICE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return match.group(1) if match else ""


def write_of(environ: dict[str, Any], action: str | None, body: bytes) -> Write | None:
    """The write a request makes, if a poller may be waiting for it (else None)."""
    if action is None:
        return None
    service = service_of(environ)
    if service == "dynamodb" and action in _DYNAMODB_WRITES:
        return Write(service, action, _tables(action, _json(body)))
    if service == "sqs" and action in _SQS_WRITES:
        return Write(service, action, _one(_field(environ, body, "QueueUrl")))
    if service == "sns" and action in _SNS_WRITES:
        return Write(service, action, _one(_field(environ, body, "TopicArn")))
    return None


def _tables(action: str, document: dict[str, Any]) -> tuple[str, ...] | None:
    if action in ("PutItem", "UpdateItem", "DeleteItem"):
        return _one(document.get("TableName"))
    if action == "BatchWriteItem":
        return tuple(document.get("RequestItems") or {}) or None
    if action == "TransactWriteItems":
        names = {
            operation["TableName"]
            for item in document.get("TransactItems") or []
            for kind, operation in item.items()
            if kind != "ConditionCheck" and isinstance(operation, dict) and "TableName" in operation
        }
        return tuple(sorted(names)) or None
    return None  # PartiQL: the statement names the table, not a field


def _field(environ: dict[str, Any], body: bytes, name: str) -> str | None:
    """A request field, from a JSON body or a form (SNS and older SQS clients use forms)."""
    if "x-www-form-urlencoded" in environ.get("CONTENT_TYPE", ""):
        values = parse_qs(body.decode("utf-8", "replace")).get(name)
        return values[0] if values else None
    value = _json(body).get(name)
    return value if isinstance(value, str) else None


def _one(value: Any) -> tuple[str, ...] | None:
    return (value,) if isinstance(value, str) and value else None


def _json(body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body or b"{}")
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}
