"""Projections: an initial state and one pure function per message type."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from .message import Message

S = TypeVar("S")


@dataclass(frozen=True)
class Projection(Generic[S]):
    """Folds a stream's messages into a state.

    ``handlers`` maps a message type to ``(state, message) -> new state``; types without a
    handler leave the state as it is.
    """

    initial: Callable[[], S]
    handlers: Mapping[str, Callable[[S, Message], S]] = field(default_factory=dict)

    def apply(self, state: S, message: Message) -> S:
        """The state after one message."""
        handler = self.handlers.get(message.type)
        return handler(state, message) if handler is not None else state

    def fold(self, messages: Iterable[Message], state: S | None = None) -> S:
        """The state after ``messages``, starting from ``state`` or the initial state."""
        current = self.initial() if state is None else state
        for message in messages:
            current = self.apply(current, message)
        return current
