"""The child's event pipe: one JSON object a line on its stdout, read by the parent.

Events: ``ready`` (the port), ``error`` (it cannot start), ``mail`` (a mail went to the
outbox), ``write`` (a write a poller may wait for: service, action, targets), ``warning``
and ``stopped``. Lines are written whole under a lock: the request
threads and the snapshot loop write concurrently.
"""

from __future__ import annotations

import json
import sys
import threading
from typing import Any

_lock = threading.Lock()


def emit(event: dict[str, Any]) -> None:
    """Write one event line to the parent."""
    line = json.dumps(event) + "\n"
    with _lock:
        sys.stdout.write(line)
        sys.stdout.flush()
