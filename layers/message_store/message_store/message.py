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
        alias_generator=to_camel,
        populate_by_name=True,
        extra="allow",
        frozen=True,
        defer_build=True,
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
    """One message: what a writer builds and passes to ``MessageStore.write``.

    ``id``, ``type``, ``data`` and ``metadata`` are the writer's. What the store adds (the
    stream name, position, global position and time) is ``None`` here; a message read from
    the store is a ``StoredMessage``, in which those fields are always set.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

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


class StoredMessage(Message):
    """A message as the store hands it out: its place in the store is always known.

    What every ``read_*`` method and ``fetch`` return, and what consumers receive. It is
    still a ``Message`` (code that reads only ``type``, ``data`` and ``metadata`` takes
    either); a reader never meets a ``None`` stream name, position or global position.
    """

    stream_name: str
    position: int = Field(ge=0)
    global_position: str
    time: datetime

    def to_json(self) -> dict[str, Any]:
        """The message as plain JSON (camelCase), as the relay publishes it to consumers."""
        return {
            "id": self.id,
            "type": self.type,
            "streamName": self.stream_name,
            "position": self.position,
            "globalPosition": self.global_position,
            "time": format_time(self.time),
            "data": self.data,
            "metadata": self.metadata.to_json(),
        }

    @classmethod
    def from_json(cls, document: Any) -> StoredMessage:
        """The message of ``to_json``'s form (``ValueError`` when it is not one)."""
        if not isinstance(document, dict):
            raise ValueError(f"a message is a JSON object, not {type(document).__name__}")
        try:
            return cls(
                id=document["id"],
                type=document["type"],
                stream_name=document["streamName"],
                position=document["position"],
                global_position=document["globalPosition"],
                time=document["time"],
                data=document.get("data") or {},
                metadata=Metadata.model_validate(document.get("metadata") or {}),
            )
        except KeyError as exc:
            raise ValueError(f"a message lacks {exc.args[0]!r}") from exc


def format_time(moment: datetime) -> str:
    """ISO-8601 UTC with milliseconds, as the store writes ``time`` (``…T23:40:45.123Z``)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
