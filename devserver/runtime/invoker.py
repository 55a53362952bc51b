"""Invoking the template's functions in this process, each in its sandbox.

An invocation holds the process's world (one global lock) with its function's world
swapped in (see ``sandbox``): swapping process-global state is sound only one world at a
time (handlers run on the gateway's and the pollers' threads). When a handler sleeps
(``time.sleep``), its world is swapped out and the lock let go for the length of the
sleep, so that other invocations run meanwhile (see ``yielding``): a page waiting for an
aggregator to apply the user's write gets it applied. A function still runs one
invocation at a time (its sandbox's ``busy`` lock, held across sleeps): a second
invocation of a function whose invocation sleeps waits for it (Lambda would start a
second sandbox). Between sleeps, running one at a time costs no throughput worth having:
moto is serialised anyway and the GIL leaves little to parallelise on two cores.

A handler that raises fails that invocation only. A handler still running at its
``Timeout`` gets ``FunctionTimeout`` raised in its thread (see ``watchdog``; a sleeping one
when its sleep reaches the deadline) and its function starts cold at the next invocation,
as Lambda resets a timed-out sandbox.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping
from types import ModuleType
from typing import Any, TypeVar

from ..template.functions import FunctionSpec
from . import aws_requests, yielding
from .aws_requests import RequestObserver
from .context import LambdaContext, trace_id
from .output import ROUTER, FunctionOutput, LineSink
from .results import FunctionError, InvocationResult, MarshalError, error_from, marshal
from .sandbox import WORLD_LOCK, FunctionSandbox, Sandboxes, Stay
from .turns import Awaiting, TableUse, WorldLock, returning
from .watchdog import FunctionTimeout, Watchdog

T = TypeVar("T")


class Runtime:
    """Every function of the application, each invoked in its own sandbox, one world at a time."""

    def __init__(
        self,
        functions: Mapping[str, FunctionSpec],
        environments: Mapping[str, Mapping[str, str]],
        *,
        on_line: LineSink | None = None,
        on_invoked: Callable[[InvocationResult], None] | None = None,
        on_request: RequestObserver | None = None,
    ) -> None:
        self.functions = dict(functions)
        self.on_line = on_line or (lambda _function, _line: None)
        #: told of every finished invocation (on the invoking thread, outside the lock)
        self.on_invoked = on_invoked
        #: told of every AWS request a function's clients make (see ``aws_requests``)
        self.on_request = on_request
        #: who writes which table, and what sleeping invocations wait on (whose turn: ``turns``)
        self.tables = TableUse()
        aws_requests.install()
        # the process's lock, not this runtime's: what an invocation swaps is the process's
        self.lock: WorldLock = WORLD_LOCK
        self.invocations = 0
        self.in_flight = 0
        #: invocations that have returned: what ``wait_idle`` counts (a started one may
        #: still be about to write)
        self.completed = 0
        self._counter_lock = threading.Lock()
        self._watchdog = Watchdog()
        self.sandboxes = {
            logical_id: FunctionSandbox(
                spec, environments[logical_id], FunctionOutput(logical_id, self._line)
            )
            for logical_id, spec in self.functions.items()
        }
        self.output = ROUTER
        # stray output (a thread a handler left running) goes to the newest runtime's sink
        self._fallback = FunctionOutput("-", self._line_outside)
        self.output.fallback = self._fallback
        self._worlds = Sandboxes(self.sandboxes, self.output)
        yielding.install()

    def _observe(
        self,
        function_id: str,
        service: str,
        operation: str,
        params: Mapping[str, Any],
        response: Mapping[str, Any],
    ) -> None:
        self.tables.observe(
            function_id, service, operation, params, succeeded="Error" not in response
        )
        if self.on_request is not None:
            self.on_request(function_id, service, operation, params, response)

    def _line_outside(self, _function_id: str, line: str) -> None:
        self.on_line("-", line)  # a function's thread still writing after its invocation

    def _line(self, function_id: str, line: str) -> None:
        self.on_line(function_id, line)

    def load_all(self) -> dict[str, FunctionError]:
        """Cold-start every function now; the init errors by function (also kept for later)."""
        errors = {}
        for logical_id in self.sandboxes:
            error = self.load(logical_id)
            if error is not None:
                errors[logical_id] = error
        return errors

    def load(self, function_id: str) -> FunctionError | None:
        """Cold-start one function now (if it is not loaded); its init error, if any."""
        sandbox = self.sandboxes[function_id]
        with sandbox.busy, self.lock, self._worlds.inside(sandbox):
            if sandbox.handler is not None:
                return None
            aws_requests.watching_as(self._observe, function_id)
            try:
                return sandbox.load()
            finally:
                aws_requests.watching_as(None)

    def close(self) -> None:
        """Stop watching timeouts and forget the functions' modules (once nothing runs)."""
        self._watchdog.stop()
        if self.output.fallback is self._fallback:
            self.output.fallback = None
        for sandbox in self.sandboxes.values():
            if sandbox.busy.acquire(blocking=False):
                sandbox.reset()
                sandbox.busy.release()

    def module(self, function_id: str) -> ModuleType | None:
        """The function's handler module (its own copy), once loaded."""
        sandbox = self.sandboxes[function_id]
        return sandbox.modules.get(sandbox.module_name)

    def run_inside(self, function_id: str, call: Callable[[ModuleType], T]) -> T | None:
        """``call(handler module)`` with the function's world swapped in (None: not loaded).

        For looking into a function (what its module declares) as it would see itself:
        its own modules, ``sys.path`` and environment.
        """
        sandbox = self.sandboxes[function_id]
        with sandbox.busy, self.lock, self._worlds.inside(sandbox):
            module = sandbox.modules.get(sandbox.module_name)
            return call(module) if module is not None else None

    def invoke(
        self,
        function_id: str,
        event: Any,
        *,
        fail_before: bool = False,
        fail_after: bool = False,
        request: bool = False,
    ) -> InvocationResult:
        """Run the function's handler with ``event``; never raises for the handler's errors.

        ``fail_before``/``fail_after`` inject a failure (chaos): before the handler runs
        (it does not run), or after it ran (its effects stay, its result is lost).
        ``request``: someone waits for the answer (a user's page): it goes before the
        consumers nobody waits on (see ``turns``).
        """
        if function_id not in self.sandboxes:
            raise KeyError(f"no function {function_id} in the template")
        sandbox = self.sandboxes[function_id]
        request_id = str(uuid.uuid4())
        result = InvocationResult(function_id, request_id)
        with self._counter_lock:
            self.invocations += 1
            self.in_flight += 1
        try:
            if fail_before:
                result.error = FunctionError(
                    "Devserver.ChaosBeforeInvoke", "chaos: failure before the handler ran"
                )
                result.handler_ran = False
                return result
            # the sandbox first, then the world: a sleeping invocation holds its sandbox
            # only, so whoever waits for the sandbox never holds the world meanwhile
            rank = functools.partial(self.tables.rank, function_id, request=request)
            with sandbox.busy, self.lock.held(rank):
                started = time.monotonic()
                cpu_started = time.thread_time()
                with self._worlds.inside(sandbox) as stay:
                    sandbox.output.lines = result.logs
                    aws_requests.watching_as(self._observe, function_id)
                    try:
                        self._run(stay, event, request_id, result)
                    finally:
                        yielding.sleeping_as(None)
                        aws_requests.watching_as(None)
                        sandbox.output.flush()
                        sandbox.output.lines = None
                result.duration_ms = (time.monotonic() - started) * 1000
                result.cpu_ms = (time.thread_time() - cpu_started) * 1000
            if fail_after and result.error is None:
                result.error = FunctionError(
                    "Devserver.ChaosAfterInvoke", "chaos: failure after the handler ran"
                )
            return result
        finally:
            with self._counter_lock:
                self.in_flight -= 1
                self.completed += 1
            if self.on_invoked is not None:
                self.on_invoked(result)

    def invoke_later(self, function_id: str, event: Any) -> threading.Thread:
        """Invoke on a thread of its own (Lambda's ``Event`` invocation); the thread.

        The invocation counts as in flight from this call on, so that ``wait_idle`` right
        after it does not miss it.
        """
        if function_id not in self.sandboxes:
            raise KeyError(f"no function {function_id} in the template")
        with self._counter_lock:
            self.in_flight += 1

        def run() -> None:
            try:
                self.invoke(function_id, event)
            finally:
                with self._counter_lock:
                    self.in_flight -= 1

        thread = threading.Thread(target=run, name=f"event {function_id}", daemon=True)
        thread.start()
        return thread

    def _run(
        self,
        stay: Stay,
        event: Any,
        request_id: str,
        result: InvocationResult,
    ) -> None:
        sandbox = stay.sandbox
        spec = sandbox.spec
        if sandbox.handler is None:
            error = sandbox.load()
            if error is not None:
                result.error = error
                result.handler_ran = False
                return
        assert sandbox.handler is not None
        # the timeout runs from the handler's start: as on Lambda, a cold start's import
        # (its INIT phase) is not part of the invocation's time
        deadline = time.monotonic() + spec.timeout
        context = LambdaContext(spec, request_id, deadline, sandbox.log_stream_name)
        os.environ["_X_AMZN_TRACE_ID"] = trace_id()
        token = self._watchdog.arm(threading.get_ident(), deadline)
        try:
            try:
                # only the handler yields while it sleeps: never a cold start (an import)
                pause = _Pause(stay, self.lock, self.tables, self._watchdog, token, deadline)
                yielding.sleeping_as(pause)
                value = sandbox.handler(event, context)
            finally:
                yielding.sleeping_as(None)
                self._watchdog.disarm(token)
                result.away_ms = pause.away_seconds * 1000
            result.value = marshal(value)
        except MarshalError as exc:
            message = f"Unable to marshal response: {exc}"
            result.error = FunctionError("Runtime.MarshalError", message)
        except FunctionTimeout:
            result.error = FunctionError(
                "Sandbox.Timedout", f"Task timed out after {spec.timeout:.2f} seconds"
            )
            sandbox.reset()
        except BaseException as exc:  # a handler's failure fails this invocation only
            result.error = error_from(exc)
            traceback.print_exception(exc, file=sys.stderr)
        if sandbox.handler is not None:
            sandbox.cold = False


class _Pause:
    """What ``time.sleep`` does in a handler: hand the world over for the sleep's length.

    The watchdog leaves the invocation alone meanwhile (a ``FunctionTimeout`` raised
    between two worlds would leave the process in neither); a sleep reaching the deadline
    ends there and raises ``FunctionTimeout`` itself, back in the function's world.
    """

    def __init__(
        self,
        stay: Stay,
        lock: WorldLock,
        tables: TableUse,
        watchdog: Watchdog,
        token: int,
        deadline: float,
    ) -> None:
        self.stay = stay
        self.lock = lock
        self.tables = tables
        self.watchdog = watchdog
        self.token = token
        self.deadline = deadline
        self._awaiting = Awaiting(None, 0)
        #: seconds the invocation spent handed over, its world back included
        self.away_seconds = 0.0

    def sleep(self, seconds: float) -> None:
        """Sleep with the world swapped out and the lock free; back in before returning."""
        wake_at = time.monotonic() + seconds
        with self.away():
            # cut short when the table it waits on is written (``TableUse.pause``)
            self.tables.pause(
                self._awaiting,
                max(min(wake_at, self.deadline) - time.monotonic(), 0.0),
                yielding.plain_sleep,
            )

    @contextlib.contextmanager
    def away(self) -> Iterator[None]:
        """The world swapped out and the lock free for the block (a wait on another function:
        a sleep, or a call to the devserver's Lambda API); back in before it ends."""
        if not self.watchdog.pause(self.token):
            yield  # timed out already: its FunctionTimeout is on its way
            return
        left = time.monotonic()
        try:
            self._awaiting = self.tables.sleeping()
            self.stay.step_out()
            self.lock.release()
            try:
                yield
            finally:
                # back before those that came meanwhile: the page its user waits for
                self.lock.acquire(rank=returning())
                self.stay.step_in()
                self.away_seconds += time.monotonic() - left
        finally:
            in_time = self.watchdog.resume(self.token)
        if not in_time:
            raise FunctionTimeout
