"""Timeouts: a handler still running at its function's ``Timeout`` is stopped.

One thread watches the running invocation's deadline and raises ``FunctionTimeout`` in the
handler's thread when it passes (at the handler's next Python instruction: a handler
blocked in a C call stops when the call returns).
"""

from __future__ import annotations

import ctypes
import threading
import time


class FunctionTimeout(BaseException):
    """Raised in a handler's thread at its Timeout (a BaseException: ``except Exception``
    in the handler does not swallow it, as nothing in a handler can stop Lambda's kill)."""


class Watchdog:
    """One thread that raises ``FunctionTimeout`` in a handler still running at its deadline."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._armed: tuple[int, float, int] | None = None  # thread id, deadline, token
        self._token = 0
        self._thread = threading.Thread(target=self._run, name="devserver-watchdog", daemon=True)
        self._thread.start()

    def arm(self, thread_id: int, deadline: float) -> int:
        with self._condition:
            self._token += 1
            self._armed = (thread_id, deadline, self._token)
            self._condition.notify()
            return self._token

    def disarm(self, token: int) -> None:
        with self._condition:
            if self._armed is not None and self._armed[2] == token:
                self._armed = None

    def _run(self) -> None:
        with self._condition:
            while True:
                if self._armed is None:
                    self._condition.wait()
                    continue
                thread_id, deadline, token = self._armed
                remaining = deadline - time.monotonic()
                if remaining > 0:
                    self._condition.wait(remaining)
                    continue
                if self._armed is not None and self._armed[2] == token:
                    # Under the condition: disarm() cannot have run for this token, so the
                    # handler is still inside the guarded region that catches this.
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(
                        ctypes.c_ulong(thread_id), ctypes.py_object(FunctionTimeout)
                    )
                    self._armed = None
