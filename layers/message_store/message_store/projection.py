"""Projections: an initial state and one pure function per message type.

Handlers are keyed by contract class and receive the typed message::

    balance = Projection(initial=lambda: 0, handlers={Deposited: lambda n, d: n + d.amount})

A message of a type the projection has no handler for leaves the state as it is. A
projection of *every* message, whatever its type (an index of all streams), gives
``every_message`` instead, which receives the stored message itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Generic, TypeVar

from .contract import Contract
from .errors import InvalidMessageError, ProjectionError
from .message import Message, StoredMessage
from .stream_name import category as category_of

S = TypeVar("S")


@dataclass(frozen=True)
class Projection(Generic[S]):
    """Folds a stream's messages into a state.

    ``handlers`` maps a contract class to ``(state, typed message) -> new state``.
    """

    initial: Callable[[], S]
    handlers: Mapping[type[Contract], Callable[[S, Any], S]] = field(default_factory=dict)
    every_message: Callable[[S, StoredMessage], S] | None = None

    @cached_property
    def _by_type(self) -> dict[str, list[type[Contract]]]:
        by_type: dict[str, list[type[Contract]]] = {}
        for contract in self.handlers:
            by_type.setdefault(contract.type, []).append(contract)
        return by_type

    @property
    def contracts(self) -> tuple[type[Contract], ...]:
        """The contract classes this projection folds."""
        return tuple(self.handlers)

    def contract_for(self, message: Message) -> type[Contract] | None:
        """The contract class of ``message`` here (by type, and category when it has a stream)."""
        candidates = self._by_type.get(message.type, [])
        if message.stream_name is None:
            return candidates[0] if candidates else None
        stream_category = category_of(message.stream_name)
        for contract in candidates:
            if contract.category == stream_category:
                return contract
        return None

    def parse(self, message: Message) -> Contract | None:
        """The typed message, ``None`` for a type this projection ignores.

        Raises ``InvalidMessageError`` when the message breaks its contract.
        """
        contract = self.contract_for(message)
        return contract.from_message(message) if contract is not None else None

    def apply_typed(self, state: S, typed: Contract) -> S:
        """The state after one typed message (a handler may raise ``InvalidMessageError``)."""
        return self.handlers[type(typed)](state, typed)

    def step(self, state: S, message: StoredMessage) -> S:
        """The state after one stored message; ``InvalidMessageError`` when it breaks its
        contract (what a consumer skips)."""
        if self.every_message is not None:
            return self.every_message(state, message)
        typed = self.parse(message)
        return state if typed is None else self.apply_typed(state, typed)

    def apply(self, state: S, message: Message) -> S:
        """The state after one message (``ProjectionError`` when it breaks its contract)."""
        try:
            if self.every_message is not None and isinstance(message, StoredMessage):
                return self.every_message(state, message)
            typed = self.parse(message)
            return state if typed is None else self.apply_typed(state, typed)
        except InvalidMessageError as exc:
            where = f"{message.stream_name}/{message.position}"
            raise ProjectionError(f"{message.type} at {where} cannot be folded: {exc}") from exc

    def fold(self, messages: Iterable[Message], state: S | None = None) -> S:
        """The state after ``messages``, starting from ``state`` or the initial state."""
        current = self.initial() if state is None else state
        for message in messages:
            current = self.apply(current, message)
        return current
