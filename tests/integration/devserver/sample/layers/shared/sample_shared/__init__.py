"""The sample functions' layer: module-level state, to show each function has its own copy."""

from __future__ import annotations

import json
import os
import threading
from typing import Any

#: Incremented by every invocation of a function that calls ``count()``: one per sandbox.
COUNTER = {"value": 0}
_log_lock = threading.Lock()


def count() -> int:
    """Count one invocation in this sandbox's copy of the layer."""
    COUNTER["value"] += 1
    return COUNTER["value"]


def log(entry: dict[str, Any]) -> None:
    """Append one JSON line to the file named by SAMPLE_LOG (what the tests read)."""
    path = os.environ.get("SAMPLE_LOG")
    if not path:
        return
    with _log_lock, open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry) + "\n")
