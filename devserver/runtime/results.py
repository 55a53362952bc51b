"""What an invocation gives back: the handler's value or its error, in Lambda's terms."""

from __future__ import annotations

import json
import traceback
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FunctionError:
    """An invocation's error, in Lambda's terms (``errorType``, ``errorMessage``…)."""

    type: str
    message: str
    stack: tuple[str, ...] = ()

    def to_lambda(self, request_id: str) -> dict[str, Any]:
        """The error document Lambda returns for an unhandled error."""
        return {
            "errorMessage": self.message,
            "errorType": self.type,
            "requestId": request_id,
            "stackTrace": list(self.stack),
        }


@dataclass
class InvocationResult:
    """What one invocation gave: the handler's value or its error, its logs, its time."""

    function_id: str
    request_id: str
    value: Any = None
    error: FunctionError | None = None
    duration_ms: float = 0.0
    #: the CPU time of the thread that ran it (``time.thread_time``): its duration without
    #: the time it waited — for the interpreter, or for the emulator's answers
    cpu_ms: float = 0.0
    #: the time it was handed over (a sleep, or a function it invoked), its world back included
    away_ms: float = 0.0
    logs: list[str] = field(default_factory=list)
    handler_ran: bool = True

    @property
    def ok(self) -> bool:
        """True when the handler returned (whatever it returned)."""
        return self.error is None


def error_from(exc: BaseException, error_type: str | None = None) -> FunctionError:
    """A handler's exception as Lambda reports it (type, message, stack)."""
    stack = traceback.format_tb(exc.__traceback__)
    return FunctionError(
        error_type or type(exc).__name__,
        str(exc) or type(exc).__name__,
        tuple(line.rstrip("\n") for line in stack),
    )


class MarshalError(Exception):
    """The handler's result is not JSON (Lambda's Runtime.MarshalError)."""


def marshal(value: Any) -> Any:
    """The result as the caller gets it from Lambda: through JSON."""
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError) as exc:
        raise MarshalError(str(exc)) from exc
