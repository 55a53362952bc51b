"""Small contracts of a made-up domain, for the generic layer's tests."""

from __future__ import annotations

from message_store import Contract


class Happened(Contract):
    category = "thing"

    n: int = 0


class Other(Contract):
    category = "thing"


class Counted(Contract):
    category = "thing"


class Replied(Contract):
    """Read only when it answers a ``thing`` stream (its origin)."""

    category = "reply"

    text: str


class Deposited(Contract):
    category = "account"

    amount: int


class Withdrawn(Contract):
    category = "account"

    amount: int
