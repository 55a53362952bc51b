"""Timeouts: a handler still running at its function's ``Timeout`` is stopped.

One thread watches the deadlines of the running invocations and raises ``FunctionTimeout``
in a handler's thread when its deadline passes (at the handler's next Python instruction:
a handler blocked in a C call stops when the call returns).

Several invocations can be under way at once: one runs, the others sleep with their worlds
swapped out (see ``yielding``). A sleeping invocation is *paused* here: raising in its
thread while it swaps worlds would leave the process half in one world and half in
another, so the watchdog leaves it alone, and the sleep itself raises ``FunctionTimeout``
once the invocation is back in its world (``resume`` says when the deadline passed).
"""

from __future__ import annotations

import ctypes
import threading
import time
from dataclasses import dataclass


class FunctionTimeout(BaseException):
    """Raised in a handler's thread at its Timeout (a BaseException: ``except Exception``
    in the handler does not swallow it, as nothing in a handler can stop Lambda's kill)."""


@dataclass
class _Armed:
    thread_id: int
    deadline: float
    paused: bool = False


class Watchdog:
    """One thread that raises ``FunctionTimeout`` in handlers still running at their deadline."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._armed: dict[int, _Armed] = {}
        self._token = 0
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="devserver-watchdog", daemon=True)
        self._thread.start()

    def arm(self, thread_id: int, deadline: float) -> int:
        """Watch the handler running on ``thread_id`` until ``deadline``; a token to disarm."""
        with self._condition:
            self._token += 1
            self._armed[self._token] = _Armed(thread_id, deadline)
            self._condition.notify()
            return self._token

    def disarm(self, token: int) -> None:
        """The handler returned: stop watching it."""
        with self._condition:
            self._armed.pop(token, None)

    def pause(self, token: int) -> bool:
        """Leave the invocation alone while it sleeps with its world swapped out.

        False when it has timed out already: its ``FunctionTimeout`` is on its way, and it
        must not swap anything.
        """
        with self._condition:
            armed = self._armed.get(token)
            if armed is None:
                return False
            armed.paused = True
            return True

    def resume(self, token: int) -> bool:
        """Watch the invocation again, back in its world after a sleep.

        False when its deadline passed meanwhile: the caller raises ``FunctionTimeout``
        itself (it is disarmed).
        """
        with self._condition:
            armed = self._armed.get(token)
            if armed is None or time.monotonic() >= armed.deadline:
                self._armed.pop(token, None)
                return False
            armed.paused = False
            self._condition.notify()
            return True

    def stop(self) -> None:
        """End the watching thread (the runtime is closed)."""
        with self._condition:
            self._stopped = True
            self._condition.notify()

    def _run(self) -> None:
        with self._condition:
            while not self._stopped:
                watched = [(token, a) for token, a in self._armed.items() if not a.paused]
                if not watched:
                    self._condition.wait()
                    continue
                now = time.monotonic()
                due = [token for token, armed in watched if armed.deadline <= now]
                for token in due:
                    # Under the condition: neither disarm() nor pause() can have run for
                    # this token, so the handler is still inside the guarded region that
                    # catches this, and not between two worlds.
                    armed = self._armed.pop(token)
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(
                        ctypes.c_ulong(armed.thread_id), ctypes.py_object(FunctionTimeout)
                    )
                if not due:
                    self._condition.wait(min(armed.deadline for _, armed in watched) - now)
