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

A handler's call to Lambda's ``Invoke`` (botocore's client call, patched by ``install``) hands
the world over the same way while it waits: the function it invokes — the devserver's Lambda
API runs it in this process — needs the world (an admin's redrive invokes a consumer).

``time.sleep`` looked up when it is called yields; a ``from time import sleep`` made
before ``install`` keeps the original. A sleep of zero (or less, or not a number) is the
plain one. A sleep while a module is being imported never yields: the import holds the
import system's lock of that module's name, which another function importing a module of
the same name (every function has an ``app``) would wait for while holding the world.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import threading
import time
from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any, Protocol

#: the real ``time.sleep``, for waiting that must never hand the world over
plain_sleep = time.sleep

_local = threading.local()
_install_lock = threading.Lock()


class Sleeper(Protocol):
    """What sleeping means for the invocation running on a thread."""

    def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` (positive), letting other invocations run meanwhile."""

    def away(self) -> AbstractContextManager[None]:
        """The invocation's world handed over for the block (others run meanwhile)."""


#: Lambda's operations that wait for another function to run
_WAITS_FOR_A_FUNCTION = frozenset({"Invoke", "InvokeWithResponseStream"})
_client_patched = False


def install() -> None:
    """Patch ``time.sleep`` and Lambda's ``Invoke`` for the whole process (once; later calls
    do nothing)."""
    global _client_patched
    with _install_lock:
        if time.sleep is not _sleep:
            time.sleep = _sleep
        if not _client_patched:
            _patch_lambda_invoke()
            _client_patched = True


def _patch_lambda_invoke() -> None:
    from botocore.client import BaseClient

    original = BaseClient._make_api_call

    @functools.wraps(original)
    def make_api_call(self: Any, operation_name: str, api_params: Mapping[str, Any]) -> Any:
        if operation_name in _WAITS_FOR_A_FUNCTION and self.meta.service_model.service_name == (
            "lambda"
        ):
            with handed_over():
                return original(self, operation_name, api_params)
        return original(self, operation_name, api_params)

    BaseClient._make_api_call = make_api_call  # type: ignore[method-assign]


def handed_over() -> AbstractContextManager[None]:
    """On a thread running a handler (not importing): its world handed over for the block;
    elsewhere nothing."""
    sleeper: Sleeper | None = getattr(_local, "sleeper", None)
    if sleeper is None or _importing():
        return contextlib.nullcontext()
    return sleeper.away()


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
