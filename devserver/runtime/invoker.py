"""Running the template's functions in this process, each as if in its own sandbox.

Lambda gives every function its own process: its own modules, environment variables and
output. Here all functions share one process, so each invocation runs *alone* (one global
invocation lock) with its function's world swapped in and swapped out afterwards:

- **modules**: every module loaded from the function's code folder or its layers lives in
  that function's own namespace. While it runs, those modules are in ``sys.modules`` (by
  their real names: ``app``, ``message_store`` …), and no other function's are; between
  invocations they are kept aside. Two functions' ``app.py`` never meet, and each has its
  own copy of the layers' module-level state (cached settings, clients), as on Lambda.
  Packages of the development environment (boto3, pydantic, Powertools) are shared, as
  they would be by the runtime's own site-packages.
- **environment**: ``os.environ`` holds exactly the function's variables (Lambda's own,
  the template's, the emulator's endpoint and fake credentials) while it runs.
- **output**: ``sys.stdout``/``sys.stderr`` write to the running function's own stream,
  which keeps its lines for the console (``--verbose``) and the invocation result (a
  logger made at import time, or shared by name with another function, still writes to
  the function running when it logs).
- **``sys.path``**: the function's code folder, then its layers, then the rest minus any
  other function's folders, so a missing layer fails locally as it would on Lambda.

Serialising invocations is what makes swapping process-global state sound (handlers run on
the gateway's and the pollers' threads). It costs no throughput worth having: moto is
serialised anyway and the GIL leaves little to parallelise on two cores.

A handler that raises fails that invocation only. A handler still running at its
``Timeout`` gets ``FunctionTimeout`` raised in its thread (at its next Python instruction)
and its function starts cold at the next invocation, as Lambda resets a timed-out sandbox.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import io
import json
import os
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from .model import FunctionSpec

LineSink = Callable[[str, str], None]

# Passed through from the host into every function's environment (nothing AWS-related).
_HOST_VARIABLES = ("PATH", "LANG", "LC_ALL", "HOME", "TMPDIR", "LD_LIBRARY_PATH", "SSL_CERT_FILE")


class FunctionTimeout(BaseException):
    """Raised in a handler's thread at its Timeout (a BaseException: ``except Exception``
    in the handler does not swallow it, as nothing in a handler can stop Lambda's kill)."""


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
    logs: list[str] = field(default_factory=list)
    handler_ran: bool = True

    @property
    def ok(self) -> bool:
        """True when the handler returned (whatever it returned)."""
        return self.error is None


class LambdaContext:
    """The ``context`` argument, with the attributes and method Lambda's Python runtime has."""

    def __init__(
        self,
        spec: FunctionSpec,
        request_id: str,
        deadline: float,
        log_stream_name: str | None = None,
    ) -> None:
        self.function_name = spec.name
        self.function_version = "$LATEST"
        self.invoked_function_arn = spec.arn
        self.memory_limit_in_mb = str(spec.memory)
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{spec.name}"
        self.log_stream_name = log_stream_name or _log_stream_name()
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function's Timeout."""
        return max(int((self._deadline - time.monotonic()) * 1000), 0)

    def log(self, message: str) -> None:
        """Write to the function's log, as ``context.log`` does on Lambda."""
        sys.stdout.write(message)


def _log_stream_name() -> str:
    return f"{time.strftime('%Y/%m/%d')}/[$LATEST]{uuid.uuid4().hex}"


class _LambdaTextStream(io.TextIOBase):
    """A writable UTF-8 text stream that is not a terminal, as a function's output on Lambda."""

    @property
    def encoding(self) -> str:  # type: ignore[override]
        """Text is UTF-8, as on Lambda."""
        return "utf-8"

    def writable(self) -> bool:
        """Always writable."""
        return True

    def isatty(self) -> bool:
        """Never a terminal (Lambda's output is not)."""
        return False


class FunctionOutput(_LambdaTextStream):
    """A function's stdout/stderr: complete lines go to the sink and the current log."""

    def __init__(self, function_id: str, sink: LineSink) -> None:
        super().__init__()
        self.function_id = function_id
        self.sink = sink
        self.lines: list[str] | None = None
        self._partial = ""

    def write(self, text: str) -> int:
        """Buffer text; pass each complete line on."""
        self._partial += text
        while "\n" in self._partial:
            line, self._partial = self._partial.split("\n", 1)
            self._line(line)
        return len(text)

    def flush(self) -> None:
        """Pass on a pending partial line."""
        if self._partial:
            line, self._partial = self._partial, ""
            self._line(line)

    def _line(self, line: str) -> None:
        if self.lines is not None:
            self.lines.append(line)
        self.sink(self.function_id, line)


class _OutputRouter(_LambdaTextStream):
    """``sys.stdout``/``sys.stderr`` during invocations: writes go to the running function.

    One object for all functions, because loggers keep the stream they were given at import
    time and ``logging``'s registry is process-wide: two functions whose loggers share a
    name share one logger. Invocations run one at a time, so "the running function" is
    well defined; output from another thread between invocations goes to ``fallback``.
    """

    def __init__(self, fallback: FunctionOutput) -> None:
        super().__init__()
        self.current: FunctionOutput | None = None
        self.fallback = fallback

    def write(self, text: str) -> int:
        """Write to the running function's output."""
        return (self.current or self.fallback).write(text)

    def flush(self) -> None:
        """Flush the running function's output."""
        (self.current or self.fallback).flush()


class _Watchdog:
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


def _owned_by(module: ModuleType, roots: tuple[str, ...]) -> bool:
    location = getattr(module, "__file__", None)
    if isinstance(location, str):
        return location.startswith(roots)
    paths = getattr(module, "__path__", None)
    if paths is not None:
        with contextlib.suppress(TypeError):
            return any(str(p).startswith(roots) for p in paths)
    return False


class FunctionSandbox:
    """One function's own world: modules, environment, output; loaded lazily (cold start)."""

    def __init__(
        self, spec: FunctionSpec, environment: Mapping[str, str], output: FunctionOutput
    ) -> None:
        self.spec = spec
        self.environment = dict(environment)
        self.encoded_environment = _encoded(self.environment)
        self.output = output
        self.roots = (str(spec.code_dir), *(str(d) for d in spec.layer_dirs))
        self.modules: dict[str, ModuleType] = {}
        self.handler: Callable[[Any, Any], Any] | None = None
        self.init_error: FunctionError | None = None
        self.cold = True
        self.log_stream_name = (
            self.environment.get("AWS_LAMBDA_LOG_STREAM_NAME") or _log_stream_name()
        )

    @property
    def module_name(self) -> str:
        """The handler's module (``app`` for ``app.lambda_handler``)."""
        return self.spec.handler.rsplit(".", 1)[0]

    def reset(self) -> None:
        """Forget the loaded modules: the next invocation starts cold."""
        self.modules.clear()
        self.handler = None
        self.init_error = None
        self.cold = True

    def load(self) -> FunctionError | None:
        """Import the handler's module (inside the sandbox); the init error, if any."""
        module_name, function_name = self.spec.handler.rsplit(".", 1)
        try:
            module = importlib.import_module(module_name)
        except BaseException as exc:  # an init error fails invocations, not the devserver
            self.init_error = _error_from(exc, "Runtime.ImportModuleError")
            return self.init_error
        handler = getattr(module, function_name, None)
        if not callable(handler):
            self.init_error = FunctionError(
                "Runtime.HandlerNotFound",
                f"Handler '{function_name}' missing on module '{module_name}'",
            )
            return self.init_error
        self.handler = handler
        self.init_error = None
        return None


def _error_from(exc: BaseException, error_type: str | None = None) -> FunctionError:
    stack = traceback.format_tb(exc.__traceback__)
    return FunctionError(
        error_type or type(exc).__name__,
        str(exc) or type(exc).__name__,
        tuple(line.rstrip("\n") for line in stack),
    )


class Runtime:
    """Every function of the application, invoked one at a time in its own sandbox."""

    def __init__(
        self,
        functions: Mapping[str, FunctionSpec],
        environments: Mapping[str, Mapping[str, str]],
        *,
        on_line: LineSink | None = None,
    ) -> None:
        self.functions = dict(functions)
        self.on_line = on_line or (lambda _function, _line: None)
        self.lock = threading.Lock()
        self.invocations = 0
        self.in_flight = 0
        #: invocations that have returned: what ``wait_idle`` counts (a started one may
        #: still be about to write)
        self.completed = 0
        self._counter_lock = threading.Lock()
        self._watchdog = _Watchdog()
        self.sandboxes = {
            logical_id: FunctionSandbox(
                spec, environments[logical_id], FunctionOutput(logical_id, self._line)
            )
            for logical_id, spec in self.functions.items()
        }
        self._all_roots = tuple(
            sorted({root for sandbox in self.sandboxes.values() for root in sandbox.roots})
        )
        # "/functions/web/" must not own "/functions/web2/app.py"
        self._root_prefixes = tuple(os.path.join(root, "") for root in self._all_roots)
        self.output = _OutputRouter(FunctionOutput("-", self._line_outside))
        self._host_modules: dict[str, ModuleType] = {}
        self._host_module_count = -1

    def _line_outside(self, _function_id: str, line: str) -> None:
        self.on_line("-", line)  # a function's thread still writing after its invocation

    def _line(self, function_id: str, line: str) -> None:
        self.on_line(function_id, line)

    def load_all(self) -> dict[str, FunctionError]:
        """Cold-start every function now; the init errors by function (also kept for later)."""
        errors = {}
        for logical_id in self.functions:
            with self.lock, self._inside(self.sandboxes[logical_id]) as sandbox:
                error = sandbox.load()
                if error is not None:
                    errors[logical_id] = error
        return errors

    def module(self, function_id: str) -> ModuleType | None:
        """The function's handler module (its own copy), once loaded."""
        sandbox = self.sandboxes[function_id]
        return sandbox.modules.get(sandbox.module_name)

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
                with self._inside(sandbox):
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
        os.environ["_X_AMZN_TRACE_ID"] = _trace_id()
        token = self._watchdog.arm(threading.get_ident(), deadline)
        try:
            try:
                value = sandbox.handler(event, context)
            finally:
                self._watchdog.disarm(token)
            result.value = _marshal(value)
        except _MarshalError as exc:
            message = f"Unable to marshal response: {exc}"
            result.error = FunctionError("Runtime.MarshalError", message)
        except FunctionTimeout:
            result.error = FunctionError(
                "Sandbox.Timedout", f"Task timed out after {spec.timeout:.2f} seconds"
            )
            sandbox.reset()
        except BaseException as exc:  # a handler's failure fails this invocation only
            result.error = _error_from(exc)
            traceback.print_exception(exc, file=sys.stderr)
        if sandbox.handler is not None:
            sandbox.cold = False

    @contextlib.contextmanager
    def _inside(self, sandbox: FunctionSandbox) -> Any:
        """Swap the function's world in (caller holds the lock); swap it out after."""
        host_data = _environ_data()
        host_environ = dict(os.environ) if host_data is None else {}
        host_encoded = dict(host_data) if host_data is not None else None
        host_path = list(sys.path)
        host_stdout, host_stderr = sys.stdout, sys.stderr
        self._refresh_host_modules()
        for name in self._host_modules:
            sys.modules.pop(name, None)
        installed = set(sandbox.modules)
        sys.modules.update(sandbox.modules)
        before = set(sys.modules)
        sys.path[:] = [*sandbox.roots, *(p for p in host_path if p not in self._all_roots)]
        _replace_environ(sandbox.environment, sandbox.encoded_environment)
        self.output.current = sandbox.output
        sys.stdout = sys.stderr = self.output
        try:
            yield sandbox
        finally:
            sandbox.output.flush()
            self.output.current = None
            sys.stdout, sys.stderr = host_stdout, host_stderr
            _replace_environ(host_environ, host_encoded)
            sys.path[:] = host_path
            owned = {
                name
                for name in set(sys.modules) - before
                if _owned_by(sys.modules[name], self._root_prefixes)
            }
            for name in installed | owned:
                module = sys.modules.pop(name, None)
                if module is not None:
                    sandbox.modules[name] = module
            if sandbox.handler is None and sandbox.init_error is None:
                sandbox.modules.clear()  # reset() during the call: start cold next time
            sys.modules.update(self._host_modules)
            self._host_module_count = len(sys.modules)

    def _refresh_host_modules(self) -> None:
        """Modules of the functions' folders the host itself imported (tests do)."""
        if len(sys.modules) == self._host_module_count:
            return
        self._host_modules = {
            name: module
            for name, module in list(sys.modules.items())
            if module is not None and _owned_by(module, self._root_prefixes)
        }
        self._host_module_count = len(sys.modules)


def _environ_data() -> dict[bytes, bytes] | None:
    """``os.environ``'s own dict of encoded names and values (CPython's ``os._Environ``)."""
    data = getattr(os.environ, "_data", None)
    return data if isinstance(data, dict) else None


def _encoded(environment: Mapping[str, str]) -> dict[bytes, bytes]:
    return {os.fsencode(key): os.fsencode(value) for key, value in environment.items()}


def _replace_environ(target: Mapping[str, str], encoded: dict[bytes, bytes] | None = None) -> None:
    """Make ``os.environ`` (and the C environment) exactly ``target``, changing only the
    differences. On CPython this works on ``os.environ``'s encoded dict directly: swapping
    a whole environment per invocation through the mapping API costs about a millisecond."""
    data = _environ_data()
    if data is None:
        environ = os.environ
        for key in [key for key in environ if key not in target]:
            del environ[key]
        for key, value in target.items():
            if environ.get(key) != value:
                environ[key] = value
        return
    wanted = encoded if encoded is not None else _encoded(target)
    for key in data.keys() - wanted.keys():
        os.unsetenv(key)
        del data[key]
    for key, value in wanted.items():
        if data.get(key) != value:
            os.putenv(key, value)
            data[key] = value


class _MarshalError(Exception):
    """The handler's result is not JSON (Lambda's Runtime.MarshalError)."""


def _marshal(value: Any) -> Any:
    """The result as the caller gets it from Lambda: through JSON."""
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError) as exc:
        raise _MarshalError(str(exc)) from exc


def _trace_id() -> str:
    root = f"1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}"
    return f"Root={root};Parent={uuid.uuid4().hex[:16]};Sampled=0"


def lambda_environment(
    spec: FunctionSpec,
    *,
    region: str,
    endpoint_url: str | None,
    credentials: Mapping[str, str],
    overrides: Mapping[str, str] | None = None,
    host_environ: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """A function's complete environment, as Lambda (and ``sam local``) would set it.

    Lambda's reserved variables, then the template's variables (``overrides`` replace
    values of variables the template declares, like ``sam local --env-vars``), then the
    endpoint and credentials of the emulator (or of the ``--endpoint-url`` target).
    """
    host = os.environ if host_environ is None else host_environ
    environment = {name: host[name] for name in _HOST_VARIABLES if name in host}
    environment.update(
        {
            "AWS_SAM_LOCAL": "true",
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory),
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(spec.timeout),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": _log_stream_name(),
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "LAMBDA_TASK_ROOT": str(spec.code_dir),
            "LAMBDA_RUNTIME_DIR": str(Path(sys.prefix)),
            "_HANDLER": spec.handler,
            "PYTHONUNBUFFERED": "1",
        }
    )
    if spec.log_format == "JSON":
        environment["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
        if spec.log_level:
            environment["AWS_LAMBDA_LOG_LEVEL"] = str(spec.log_level)
    template_variables = dict(spec.environment)
    for name, value in (overrides or {}).items():
        if name in template_variables:
            template_variables[name] = value
    environment.update(template_variables)
    if endpoint_url is not None:
        environment["AWS_ENDPOINT_URL"] = endpoint_url
        # moto routes DynamoDB Streams only on the regional endpoint (DESIGN.md section 7)
        environment["AWS_ACCOUNT_ID_ENDPOINT_MODE"] = "disabled"
    environment.update(credentials)
    return environment
