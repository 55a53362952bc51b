"""Where each event source mapping is in its stream, kept on disk across restarts.

A checkpoint names the last record a mapping is done with, per shard, by its sequence
number *and* its ``eventID``. On a restart the poller looks the sequence number up and
checks the event id; if they disagree (an emulator whose state was rebuilt numbers its
records anew), it finds the record by its event id instead. The checkpoint also keeps the
stream's ARN: a different stream (a recreated table, ``--reset``) starts over at the
mapping's ``StartingPosition``.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT = 1


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

    def stream_arn(self, mapping: str) -> str | None:
        """The stream a mapping's checkpoints belong to."""
        with self._lock:
            entry = self._data["mappings"].get(mapping)
            return entry.get("streamArn") if entry else None

    def shards(self, mapping: str) -> dict[str, ShardCheckpoint]:
        """A mapping's checkpoint per shard."""
        with self._lock:
            entry = self._data["mappings"].get(mapping) or {}
            return {
                shard_id: ShardCheckpoint(value.get("sequenceNumber"), value.get("eventID"))
                for shard_id, value in (entry.get("shards") or {}).items()
            }

    def save(
        self, mapping: str, stream_arn: str, shard_id: str, checkpoint: ShardCheckpoint
    ) -> None:
        """Record that ``mapping`` is done up to ``checkpoint`` in a shard."""
        with self._lock:
            entry = self._data["mappings"].get(mapping)
            if entry is None or entry.get("streamArn") != stream_arn:
                entry = {"streamArn": stream_arn, "shards": {}}
                self._data["mappings"][mapping] = entry
            entry["shards"][shard_id] = {
                "sequenceNumber": checkpoint.sequence_number,
                "eventID": checkpoint.event_id,
            }
            self._write()

    def forget(self, mapping: str) -> None:
        """Drop a mapping's checkpoints."""
        with self._lock:
            self._data["mappings"].pop(mapping, None)
            self._write()

    def _write(self) -> None:
        if self.path is None:
            return
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self._data, indent=1), encoding="utf-8")
        os.replace(temporary, self.path)
