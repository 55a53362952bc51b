"""The devserver's own errors: it cannot start as asked; an invoked function failed."""

from __future__ import annotations

from .runtime import FunctionError


class DevServerError(Exception):
    """The devserver cannot start as asked (the reason, and what to do, in the message)."""


class InvocationError(Exception):
    """A function invoked through ``DevServer.invoke`` failed; ``error`` says how."""

    def __init__(self, function_id: str, error: FunctionError) -> None:
        super().__init__(f"{function_id}: {error.type}: {error.message}")
        self.function_id = function_id
        self.error = error
