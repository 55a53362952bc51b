"""Small factories with overridable defaults (no dict literals repeated across tests)."""

from __future__ import annotations

import uuid
from typing import Any

from message_store import Message, Metadata


def a_stream(category: str = "account", stream_id: str | None = None) -> str:
    """A fresh stream name of ``category``."""
    return f"{category}-{stream_id or uuid.uuid4()}"


def a_message(type: str = "Deposited", **overrides: Any) -> Message:  # noqa: A002
    """A message about to be written; data and metadata overridable."""
    fields: dict[str, Any] = {
        "type": type,
        "data": {"amount": 10},
        "metadata": Metadata(trace_id=str(uuid.uuid4())),
    }
    fields.update(overrides)
    return Message(**fields)


def a_user_id() -> str:
    return str(uuid.uuid4())


def an_email(name: str | None = None) -> str:
    return f"{name or uuid.uuid4().hex[:10]}@example.com"
