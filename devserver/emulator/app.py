"""moto's WSGI app behind one lock: every request runs alone, as atomic as DynamoDB's own.

moto's backends have no locks (DESIGN.md section 7): two threads' conditional puts on one
key can both succeed. The child serves moto's app from a threaded server, so this wrapper
runs each request under one lock, notes whether it changed anything (for snapshots), hands
SES requests to the outbox, keeps moto's shard iterators bounded and — when asked —
reports each successful write a poller may wait for on the event pipe (see ``writes``; an
SNS publish as the queues it delivered to).
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .actions import action_of, reads_only
from .fixes import forget_tables, prune_shard_iterators
from .mail import Outbox
from .pipe import emit
from .snapshots import snapshot_bytes
from .writes import delivered, queues_delivered_to, service_of, write_of


class EmulatorApp:
    """moto's WSGI app behind one lock, with snapshots and the SES outbox."""

    def __init__(
        self,
        app: Any,
        state_path: Path | None,
        outbox: Path | None,
        *,
        report_writes: bool = False,
    ) -> None:
        self.app = app
        self.state_path = state_path
        self.outbox = Outbox(outbox)
        self.report_writes = report_writes
        self.lock = threading.Lock()
        self.dirty = False
        self.requests = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        action = action_of(environ, body)
        statuses: list[str] = []

        def noting_start_response(status: str, *args: Any) -> Any:
            statuses.append(status)
            return start_response(status, *args)

        write = None
        with self.lock, queues_delivered_to() as queues:
            self.requests += 1
            response = self.app(environ, noting_start_response)
            try:
                chunks = list(response)
            finally:
                if hasattr(response, "close"):
                    response.close()
            if not reads_only(action):
                write = write_of(environ, action, body)
                if write is not None:
                    write = delivered(write, queues)
                if write is not None and write.service == "dynamodb":
                    forget_tables(write.targets)  # what moto's tables keep (``fixes``)
                elif service_of(environ) == "dynamodb":
                    forget_tables(None)  # a table created, changed, restored …
                if not _received_nothing(action, chunks):
                    self.dirty = True
            if "/ses/aws4_request" in environ.get("HTTP_AUTHORIZATION", ""):
                self.outbox.collect(environ, body)
            if action == "GetRecords":
                prune_shard_iterators()
        # after the lock: the parent may act on it at once (a poller reads what was written)
        if self.report_writes and statuses and statuses[0].startswith("2") and write is not None:
            emit(write.to_event())
        return chunks

    def snapshot(self, force: bool = False) -> bool:
        """Write the state file if anything changed; True when written."""
        if self.state_path is None:
            return False
        with self.lock:
            if not (self.dirty or force):
                return False
            blob = snapshot_bytes()
            self.dirty = False
        temporary = self.state_path.with_suffix(".tmp")
        with open(temporary, "wb") as handle:
            handle.write(blob)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.state_path)
        return True


def _received_nothing(action: str | None, chunks: list[bytes]) -> bool:
    """An empty ``ReceiveMessage`` (an idle poller's) changes nothing worth a snapshot."""
    return action == "ReceiveMessage" and not any(b"ReceiptHandle" in chunk for chunk in chunks)
