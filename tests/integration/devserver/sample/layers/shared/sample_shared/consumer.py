"""A stream consumer whose behaviour each record chooses (its NewImage's ``action``).

- ``ok``: processed;
- ``raise``: the handler raises (a function error: the whole batch fails);
- ``fail-item``: reported in ``batchItemFailures`` (a partial failure);
- ``fail-times:N``: fails as ``fail-item`` the first N times this sandbox sees it;
- ``fail-until:PATH``: fails as ``fail-item`` until the file PATH exists.
"""

from __future__ import annotations

import collections
import json
import os
import time
from typing import Any

from . import log

SEEN: collections.Counter[str] = collections.Counter()


def key_of(record: dict[str, Any]) -> str:
    keys = record["dynamodb"]["Keys"]
    return f"{keys['pk']['S']}#{keys['sk']['N']}"


def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    records = event["Records"]
    log(
        {
            "at": time.time(),
            "function": os.environ["AWS_LAMBDA_FUNCTION_NAME"],
            "requestId": context.aws_request_id,
            "keys": [key_of(r) for r in records],
            "sequenceNumbers": [r["dynamodb"]["SequenceNumber"] for r in records],
            "eventNames": [r["eventName"] for r in records],
        }
    )
    failures = []
    for record in records:
        key = key_of(record)
        SEEN[key] += 1
        image = record["dynamodb"].get("NewImage") or {}
        action = image.get("action", {}).get("S", "ok")
        if action == "raise":
            raise RuntimeError(f"poison record {key}")
        failing = action == "fail-item"
        if action.startswith("fail-times:"):
            failing = SEEN[key] <= int(action.split(":", 1)[1])
        if action.startswith("fail-until:"):
            failing = not os.path.exists(action.split(":", 1)[1])
        if failing:
            failures.append({"itemIdentifier": record["dynamodb"]["SequenceNumber"]})
            # one JSON line a log entry, as Powertools writes them
            print(json.dumps({"level": "ERROR", "message": "cannot apply", "key": key}))
    return {"batchItemFailures": failures}


class Consumer:
    """What a consumer declares it reads (the devserver's banner asks ``describe()``)."""

    def describe(self) -> str:
        name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        return f"{name} reads the records its filter lets through (sample consumer)"
