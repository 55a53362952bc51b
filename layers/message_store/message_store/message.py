"""The message: what is written to and read from a stream."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

MESSAGE_TYPE_PATTERN = r"^[A-Za-z][A-Za-z0-9_.]{0,127}$"


class Metadata(BaseModel):
    """Message metadata: the trace, the acting user, the origin and the causation message.

    camelCase on the wire (``traceId``), snake_case in Python. Unknown keys are kept.
    """

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="allow", frozen=True
    )

    trace_id: str | None = None
    user_id: str | None = None
    origin_stream_name: str | None = None
    causation_message_stream_name: str | None = None
    causation_message_position: int | None = None
    causation_message_global_position: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The wire form: camelCase keys, unset fields left out."""
        return self.model_dump(by_alias=True, exclude_none=True)


class Message(BaseModel):
    """One message of a stream.

    ``position``, ``global_position`` and ``time`` are set by the store when it is read back;
    a message about to be written leaves them ``None``.
    """

    model_config = ConfigDict(frozen=True)

    id: str = Field(default_factory=lambda: str(uuid.uuid4()), min_length=1, max_length=64)
    type: str = Field(pattern=MESSAGE_TYPE_PATTERN)
    stream_name: str | None = None
    position: int | None = None
    global_position: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    metadata: Metadata = Field(default_factory=Metadata)
    time: datetime | None = None

    def follow(self, previous: Message) -> Self:
        """This message as caused by ``previous``.

        Copies the trace and the user, keeps this message's origin stream if it has one or
        else takes ``previous``'s (``previous``'s own stream when it has none), and records
        ``previous`` as the causation message.
        """
        own = self.metadata
        return self.with_metadata(
            trace_id=previous.metadata.trace_id,
            user_id=previous.metadata.user_id,
            origin_stream_name=own.origin_stream_name
            or previous.metadata.origin_stream_name
            or previous.stream_name,
            causation_message_stream_name=previous.stream_name,
            causation_message_position=previous.position,
            causation_message_global_position=previous.global_position,
        )

    def with_metadata(self, **fields: Any) -> Self:
        """A copy with the given metadata fields (snake_case) replaced."""
        current = self.metadata.model_dump(exclude_none=True)
        current.update(fields)
        return self.model_copy(update={"metadata": Metadata(**current)})
