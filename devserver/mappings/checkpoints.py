"""Where each event source mapping is in its stream, kept on disk across restarts.

A checkpoint names the last record a mapping is done with, per shard, by its sequence
number *and* its ``eventID``. On a restart the poller looks the sequence number up and
checks the event id; if they disagree (an emulator whose state was rebuilt numbers its
records anew), it finds the record by its event id instead. Checkpoints are kept per
mapping *and* stream ARN: a mapping on a stream it never read (a recreated table, another
endpoint) starts at its ``StartingPosition``, and going back to the first stream finds its
checkpoints again.

Beside them, per stream and shard, the **trim horizon**: the last record that has expired
(``DevServer.expire_stream_records``, what DynamoDB Streams does after 24 hours), so that a
restart does not bring expired records back.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT = 2


@dataclass(frozen=True)
class ShardCheckpoint:
    """The last record done in a shard (``None``: none yet, start at its beginning)."""

    sequence_number: str | None
    event_id: str | None = None


class CheckpointStore:
    """The checkpoints of every mapping, in one JSON file written atomically."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._data: dict[str, Any] = {"format": FORMAT, "mappings": {}}
        if path is not None and path.exists():
            document = json.loads(path.read_text(encoding="utf-8"))
            if document.get("format") == FORMAT:
                self._data = document

    def streams(self, mapping: str) -> list[str]:
        """The streams a mapping has checkpoints in."""
        with self._lock:
            return list((self._data["mappings"].get(mapping) or {}).keys())

    def shards(self, mapping: str, stream_arn: str) -> dict[str, ShardCheckpoint] | None:
        """A mapping's checkpoint per shard of a stream (None: it never read that stream)."""
        with self._lock:
            entry = (self._data["mappings"].get(mapping) or {}).get(stream_arn)
            if entry is None:
                return None
            return {
                shard_id: ShardCheckpoint(value.get("sequenceNumber"), value.get("eventID"))
                for shard_id, value in entry.items()
            }

    def save(
        self, mapping: str, stream_arn: str, shard_id: str, checkpoint: ShardCheckpoint
    ) -> None:
        """Record that ``mapping`` is done up to ``checkpoint`` in a shard of a stream."""
        with self._lock:
            streams = self._data["mappings"].setdefault(mapping, {})
            streams.setdefault(stream_arn, {})[shard_id] = {
                "sequenceNumber": checkpoint.sequence_number,
                "eventID": checkpoint.event_id,
            }
            self._write()

    def trim_horizons(self, stream_arn: str) -> dict[str, ShardCheckpoint]:
        """The last expired record per shard of a stream (none: nothing has expired)."""
        with self._lock:
            entry = (self._data.get("trimmed") or {}).get(stream_arn) or {}
            return {
                shard_id: ShardCheckpoint(value.get("sequenceNumber"), value.get("eventID"))
                for shard_id, value in entry.items()
            }

    def save_trim_horizon(
        self, stream_arn: str, shard_id: str, checkpoint: ShardCheckpoint
    ) -> None:
        """Record that a shard's records up to ``checkpoint`` have expired."""
        with self._lock:
            streams = self._data.setdefault("trimmed", {})
            streams.setdefault(stream_arn, {})[shard_id] = {
                "sequenceNumber": checkpoint.sequence_number,
                "eventID": checkpoint.event_id,
            }
            self._write()

    def _write(self) -> None:
        if self.path is None:
            return
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self._data, indent=1), encoding="utf-8")
        os.replace(temporary, self.path)
