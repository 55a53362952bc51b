"""While an invocation sleeps, others run: ``time.sleep`` hands the process's world over.

Invocations take turns at the process's world (``sandbox.WORLD_LOCK``: one function's
modules, environment and output at a time). A handler that waits for another function's
effect — a page that polls a view until an aggregator has applied the user's write —
sleeps between two reads; were it to keep the world while sleeping, the aggregator could
not run and the page would always wait in vain. So ``time.sleep`` is patched, once for the
whole process (``install``): on a thread running a handler it calls that invocation's
``Sleeper``, which swaps the invocation's world out, lets the lock go for the length of
the sleep, then takes it back and swaps its world in again; on any other thread it is the
plain ``time.sleep``.

``time.sleep`` looked up when it is called yields; a ``from time import sleep`` made
before ``install`` keeps the original. A sleep of zero (or less, or not a number) is the
plain one. A sleep while a module is being imported never yields: the import holds the
import system's lock of that module's name, which another function importing a module of
the same name (every function has an ``app``) would wait for while holding the world.
"""

from __future__ import annotations

import functools
import sys
import threading
import time
from typing import Protocol

#: the real ``time.sleep``, for waiting that must never hand the world over
plain_sleep = time.sleep

_local = threading.local()
_install_lock = threading.Lock()


class Sleeper(Protocol):
    """What sleeping means for the invocation running on a thread."""

    def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` (positive), letting other invocations run meanwhile."""


def install() -> None:
    """Patch ``time.sleep`` for the whole process (once; later calls do nothing)."""
    with _install_lock:
        if time.sleep is not _sleep:
            time.sleep = _sleep


def sleeping_as(sleeper: Sleeper | None) -> None:
    """What ``time.sleep`` does on this thread from now on (``None``: plain sleep)."""
    _local.sleeper = sleeper


@functools.wraps(plain_sleep)
def _sleep(seconds: float) -> None:
    sleeper: Sleeper | None = getattr(_local, "sleeper", None)
    if sleeper is None or not _positive(seconds) or _importing():
        plain_sleep(seconds)
        return
    sleeper.sleep(float(seconds))


def _positive(seconds: object) -> bool:
    return isinstance(seconds, int | float) and seconds > 0


def _importing() -> bool:
    """True when this thread is inside an import (its frames include importlib's)."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False
