"""A consumer of SQS (or stream) records whose behaviour each message chooses.

A message's body is JSON: ``{"key": …, "action": …}`` (for a stream record, the item's
``pk#sk`` and its ``action`` attribute). Actions:

- ``ok`` (or none): processed;
- ``raise``: the handler raises (a function error: the whole batch fails);
- ``fail-times:N``: fails the first N times this sandbox sees it; it and the records
  after it *in its message group* are reported in ``batchItemFailures``, so that a later
  message of the group never overtakes it (what a FIFO consumer must do);
- ``bad-id``: reports an identifier that is not in the batch.
"""

from __future__ import annotations

import collections
import json
import os
import time
from typing import Any

from . import log

SEEN: collections.Counter[str] = collections.Counter()


def _message(record: dict[str, Any]) -> tuple[str, str | None, str, str | None, str]:
    """Key, action, item identifier, message group, receive count of one record."""
    if record.get("eventSource") == "aws:sqs":
        body = json.loads(record["body"])
        attributes = record["attributes"]
        return (
            body["key"],
            body.get("action"),
            record["messageId"],
            attributes.get("MessageGroupId"),
            attributes["ApproximateReceiveCount"],
        )
    image = record["dynamodb"]["NewImage"]
    key = f"{image['pk']['S']}#{image['sk']['N']}"
    action = image.get("action", {}).get("S")
    return key, action, record["dynamodb"]["SequenceNumber"], image["pk"]["S"], "1"


def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    messages = [_message(record) for record in event["Records"]]
    log(
        {
            "at": time.time(),
            "function": os.environ["AWS_LAMBDA_FUNCTION_NAME"],
            "keys": [m[0] for m in messages],
            "groups": [m[3] for m in messages],
            "receiveCounts": [m[4] for m in messages],
            "records": event["Records"],
        }
    )
    failures: list[dict[str, str]] = []
    failed_groups: set[str | None] = set()
    for key, action, identifier, group, _count in messages:
        if group in failed_groups:
            failures.append({"itemIdentifier": identifier})
            continue
        SEEN[key] += 1
        if action == "raise":
            raise RuntimeError(f"poison message {key}")
        if action == "bad-id":
            failures.append({"itemIdentifier": "not-in-this-batch"})
        if action and action.startswith("fail-times:") and SEEN[key] <= int(action.split(":")[1]):
            failures.append({"itemIdentifier": identifier})
            failed_groups.add(group)
    return {"batchItemFailures": failures}
