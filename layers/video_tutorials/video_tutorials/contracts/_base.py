"""The base of every contract: the message store's ``Contract`` (data fields, aliases, type)."""

from __future__ import annotations

from message_store import Contract

__all__ = ["Contract"]
