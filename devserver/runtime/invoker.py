"""Invoking the template's functions in this process, one at a time, each in its sandbox.

Each invocation runs *alone* (one global invocation lock) with its function's world swapped
in (see ``sandbox``). Serialising invocations is what makes swapping process-global state
sound (handlers run on the gateway's and the pollers' threads). It costs no throughput
worth having: moto is serialised anyway and the GIL leaves little to parallelise on two
cores.

A handler that raises fails that invocation only. A handler still running at its
``Timeout`` gets ``FunctionTimeout`` raised in its thread (see ``watchdog``) and its
function starts cold at the next invocation, as Lambda resets a timed-out sandbox.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any, TypeVar

from ..template.functions import FunctionSpec
from .context import LambdaContext, trace_id
from .output import ROUTER, FunctionOutput, LineSink
from .results import FunctionError, InvocationResult, MarshalError, error_from, marshal
from .sandbox import WORLD_LOCK, FunctionSandbox, Sandboxes
from .watchdog import FunctionTimeout, Watchdog

T = TypeVar("T")


class Runtime:
    """Every function of the application, invoked one at a time in its own sandbox."""

    def __init__(
        self,
        functions: Mapping[str, FunctionSpec],
        environments: Mapping[str, Mapping[str, str]],
        *,
        on_line: LineSink | None = None,
        on_invoked: Callable[[InvocationResult], None] | None = None,
    ) -> None:
        self.functions = dict(functions)
        self.on_line = on_line or (lambda _function, _line: None)
        #: told of every finished invocation (on the invoking thread, outside the lock)
        self.on_invoked = on_invoked
        # the process's lock, not this runtime's: what an invocation swaps is the process's
        self.lock = WORLD_LOCK
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
        self.output.fallback = FunctionOutput("-", self._line_outside)
        self._worlds = Sandboxes(self.sandboxes, self.output)

    def _line_outside(self, _function_id: str, line: str) -> None:
        self.on_line("-", line)  # a function's thread still writing after its invocation

    def _line(self, function_id: str, line: str) -> None:
        self.on_line(function_id, line)

    def load_all(self) -> dict[str, FunctionError]:
        """Cold-start every function now; the init errors by function (also kept for later)."""
        errors = {}
        for logical_id in self.functions:
            with self.lock, self._worlds.inside(self.sandboxes[logical_id]) as sandbox:
                error = sandbox.load()
                if error is not None:
                    errors[logical_id] = error
        return errors

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
        with self.lock, self._worlds.inside(sandbox):
            module = sandbox.modules.get(sandbox.module_name)
            return call(module) if module is not None else None

    def invoke(
        self,
        function_id: str,
        event: Any,
        *,
        fail_before: bool = False,
        fail_after: bool = False,
    ) -> InvocationResult:
        """Run the function's handler with ``event``; never raises for the handler's errors.

        ``fail_before``/``fail_after`` inject a failure (chaos): before the handler runs
        (it does not run), or after it ran (its effects stay, its result is lost).
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
            with self.lock:
                started = time.monotonic()
                with self._worlds.inside(sandbox):
                    sandbox.output.lines = result.logs
                    try:
                        self._run(sandbox, event, request_id, result, started)
                    finally:
                        sandbox.output.flush()
                        sandbox.output.lines = None
                result.duration_ms = (time.monotonic() - started) * 1000
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
        sandbox: FunctionSandbox,
        event: Any,
        request_id: str,
        result: InvocationResult,
        started: float,
    ) -> None:
        spec = sandbox.spec
        if sandbox.handler is None:
            error = sandbox.load()
            if error is not None:
                result.error = error
                result.handler_ran = False
                return
        assert sandbox.handler is not None
        deadline = started + spec.timeout
        context = LambdaContext(spec, request_id, deadline, sandbox.log_stream_name)
        os.environ["_X_AMZN_TRACE_ID"] = trace_id()
        token = self._watchdog.arm(threading.get_ident(), deadline)
        try:
            try:
                value = sandbox.handler(event, context)
            finally:
                self._watchdog.disarm(token)
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
