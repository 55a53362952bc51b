"""Event source mappings, as Lambda keeps them: what each mapping's poller is told to do.

A mapping is a function, a source (a DynamoDB table's stream or an SQS queue) and the
settings of its batches. ``FilterCriteria`` are kept as written (resolved): the pattern
language is the pollers' (``devserver.mappings.filters``), which check them at start.
Reading them from the template is ``mapping_reader``'s.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Mappings' UUIDs are stable per mapping name, so that a restart (and the Lambda API's
# clients) find the same mapping under the same id.
_UUID_NAMESPACE = uuid.UUID("6f1b0a52-8b9e-4d59-9a37-1f7c0b5a3e21")


def mapping_uuid(name: str) -> str:
    """The UUID of the mapping with this name (the same at every start)."""
    return str(uuid.uuid5(_UUID_NAMESPACE, name))


@dataclass(frozen=True, kw_only=True)
class EventSourceMapping:
    """What every event source mapping has: its function, its source and its batches."""

    #: the mapping's stable name (checkpoints, console): ``Function/Event`` for a SAM event
    name: str
    function_id: str
    source_arn: str
    batch_size: int
    batching_window: float = 0.0
    #: ``{"Filters": [{"Pattern": "…"}]}`` as written, intrinsics resolved (None: no filter)
    filter_criteria: Mapping[str, Any] | None = None
    report_item_failures: bool = False
    enabled: bool = True

    @property
    def uuid(self) -> str:
        """The mapping's UUID (Lambda's identifier for it), stable per name."""
        return mapping_uuid(self.name)

    def describe(self) -> str:
        """A short human description of the mapping's settings (for the banner)."""
        return ", ".join(self._description())

    def _description(self) -> list[str]:
        parts = [f"batch {self.batch_size}"]
        if self.batching_window:
            parts.append(f"window {self.batching_window:g}s")
        filters = len((self.filter_criteria or {}).get("Filters") or [])
        if filters:
            parts.append(f"{filters} filter{'s' if filters > 1 else ''}")
        if self.report_item_failures:
            parts.append("partial failures")
        return parts


@dataclass(frozen=True, kw_only=True)
class StreamSource(EventSourceMapping):
    """A mapping on a DynamoDB table's stream."""

    table_id: str | None
    starting_position: str
    bisect_on_error: bool = False
    max_retries: int = -1
    max_record_age: int = -1
    on_failure: str | None = None

    @property
    def stream_arn(self) -> str:
        """The stream's ARN (the mapping's source)."""
        return self.source_arn

    def _description(self) -> list[str]:
        parts = super()._description()
        parts.insert(1, self.starting_position)
        if self.bisect_on_error:
            parts.append("bisect")
        if self.max_retries >= 0:
            parts.append(f"{self.max_retries} retr{'y' if self.max_retries == 1 else 'ies'}")
        if self.max_record_age >= 0:
            parts.append(f"max age {self.max_record_age}s")
        if self.on_failure:
            parts.append(f"on failure → {self.on_failure.rsplit(':', 1)[-1]}")
        return parts


@dataclass(frozen=True, kw_only=True)
class QueueSource(EventSourceMapping):
    """A mapping on an SQS queue (standard or FIFO)."""

    queue_id: str | None
    #: ``ScalingConfig.MaximumConcurrency`` (locally every mapping runs one batch at a time)
    maximum_concurrency: int | None = None

    @property
    def queue_arn(self) -> str:
        """The queue's ARN (the mapping's source)."""
        return self.source_arn

    @property
    def fifo(self) -> bool:
        """Whether the queue is a FIFO queue (its name ends with ``.fifo``)."""
        return self.source_arn.endswith(".fifo")

    def _description(self) -> list[str]:
        parts = super()._description()
        if self.fifo:
            parts.insert(1, "FIFO")
        return parts
