"""Each function's own world — modules, ``sys.path``, environment, output — swapped in to run.

Lambda gives every function its own process: its own modules, environment variables and
output. Here all functions share one process, so a function runs with its world swapped
in, and swapped out afterwards:

- **modules**: every module loaded from the function's code folder or its layers lives in
  that function's own namespace. While it runs, those modules are in ``sys.modules`` (by
  their real names: ``app``, ``message_store`` …), and no other function's are; between
  invocations they are kept aside. Two functions' ``app.py`` never meet, and each has its
  own copy of the layers' module-level state (cached settings, clients), as on Lambda.
  Packages of the development environment (boto3, pydantic, Powertools) are shared, as
  they would be by the runtime's own site-packages.
- **environment**: ``os.environ`` holds exactly the function's variables while it runs.
- **output**: ``sys.stdout``/``sys.stderr`` write to the running function's own output.
- **``sys.path``**: the function's code folder, then its layers, then the rest minus any
  other function's folders, so a missing layer fails locally as it would on Lambda.

All of that is the process's, so one world is swapped in at a time in the whole process
(``WORLD_LOCK``), even when a process runs several devservers (the end-to-end tests run
one per consumer topology). An invocation that sleeps steps out of its world for the
length of the sleep (``Stay.step_out``; see ``yielding``), and others run meanwhile; a
sandbox still runs one invocation at a time (``FunctionSandbox.busy``), as a Lambda
sandbox does.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from types import ModuleType
from typing import Any

from ..template.functions import FunctionSpec
from .context import log_stream_name_now
from .output import FunctionOutput, OutputRouter
from .results import FunctionError, error_from
from .turns import WorldLock

#: held while a function's world is swapped in: one at a time in this process, handed on
#: by rank (see ``turns``)
WORLD_LOCK = WorldLock()


def host_environment() -> dict[str, str]:
    """The host's own environment, even while a function runs with its own swapped in.

    Not from inside a handler (its thread holds the world already).
    """
    with WORLD_LOCK:
        return dict(os.environ)


class FunctionSandbox:
    """One function's own world: modules, environment, output; loaded lazily (cold start)."""

    def __init__(
        self, spec: FunctionSpec, environment: Mapping[str, str], output: FunctionOutput
    ) -> None:
        self.spec = spec
        self.environment = dict(environment)
        self.encoded_environment = encode_environment(self.environment)
        self.output = output
        self.roots = (str(spec.code_dir), *(str(d) for d in spec.layer_dirs))
        self.modules: dict[str, ModuleType] = {}
        self.handler: Callable[[Any, Any], Any] | None = None
        self.init_error: FunctionError | None = None
        self.cold = True
        #: held for a whole invocation, sleeps included: one invocation at a time per sandbox
        self.busy = threading.Lock()
        self.log_stream_name = (
            self.environment.get("AWS_LAMBDA_LOG_STREAM_NAME") or log_stream_name_now()
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
            self.init_error = error_from(exc, "Runtime.ImportModuleError")
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


class World:
    """The process-wide state a world is made of, besides modules: what a swap saves."""

    def __init__(self, router: OutputRouter) -> None:
        data = _environ_data()
        self.environ = dict(os.environ) if data is None else {}
        self.encoded = dict(data) if data is not None else None
        self.path = list(sys.path)
        self.stdout, self.stderr = sys.stdout, sys.stderr
        self.output = router.current

    def restore(self, router: OutputRouter) -> None:
        """Make this state the process's again."""
        replace_environ(self.environ, self.encoded)
        sys.path[:] = self.path
        sys.stdout, sys.stderr = self.stdout, self.stderr
        router.current = self.output


class Stay:
    """One sandbox's world swapped in for a while (an invocation, a load).

    ``step_out`` swaps the function's world out as it is at that moment — its modules,
    environment (``_X_AMZN_TRACE_ID`` and whatever the handler set), ``sys.path``,
    ``sys.stdout``/``sys.stderr`` and its output — and puts the host's back; ``step_in``
    swaps that same world in again. An invocation steps out while it sleeps (see
    ``yielding``), so that other invocations can run meanwhile. ``end`` leaves for good.
    """

    def __init__(self, sandboxes: Sandboxes, sandbox: FunctionSandbox) -> None:
        self.sandboxes = sandboxes
        self.sandbox = sandbox
        self._host: World | None = None
        self._installed: set[str] = set()
        self._before: set[str] = set()
        self._away: World | None = None

    def step_in(self) -> None:
        """Swap the function's world in (the caller holds ``WORLD_LOCK``)."""
        sandbox = self.sandbox
        router = self.sandboxes.output
        self._host = World(router)
        host_modules = self.sandboxes.host_modules()
        for name in host_modules:
            sys.modules.pop(name, None)
        self._installed = set(sandbox.modules)
        sys.modules.update(sandbox.modules)
        self._before = set(sys.modules)
        if self._away is not None:
            self._away.restore(router)
            self._away = None
            return
        other_roots = self.sandboxes.all_roots
        sys.path[:] = [*sandbox.roots, *(p for p in self._host.path if p not in other_roots)]
        replace_environ(sandbox.environment, sandbox.encoded_environment)
        router.current = sandbox.output
        sys.stdout = sys.stderr = router

    def step_out(self) -> None:
        """Swap the function's world out, as it is now, and the host's back in."""
        self._away = World(self.sandboxes.output)
        self._leave()

    def end(self) -> None:
        """Leave the sandbox for good: its output flushed, the host's world back."""
        self.sandbox.output.flush()
        self._away = None
        self._leave()
        sandbox = self.sandbox
        if sandbox.handler is None and sandbox.init_error is None:
            sandbox.modules.clear()  # reset() during the call: start cold next time

    def _leave(self) -> None:
        assert self._host is not None
        sandbox = self.sandbox
        self._host.restore(self.sandboxes.output)
        self._host = None
        owned = {
            name
            for name in set(sys.modules) - self._before
            if _owned_by(sys.modules[name], self.sandboxes.root_prefixes)
        }
        for name in self._installed | owned:
            module = sys.modules.pop(name, None)
            if module is not None:
                sandbox.modules[name] = module
        self.sandboxes.restore_host_modules()


class Sandboxes:
    """Every function's sandbox, and the way in: a ``Stay`` swaps a sandbox's world in.

    The caller serialises: only one world is swapped in at a time (it holds ``WORLD_LOCK``).
    """

    def __init__(
        self,
        sandboxes: Mapping[str, FunctionSandbox],
        output: OutputRouter,
    ) -> None:
        self.by_id = dict(sandboxes)
        self.output = output
        self.all_roots = frozenset(
            root for sandbox in self.by_id.values() for root in sandbox.roots
        )
        # "/functions/web/" must not own "/functions/web2/app.py"
        self.root_prefixes = tuple(os.path.join(root, "") for root in sorted(self.all_roots))
        self._host_modules: dict[str, ModuleType] = {}
        self._host_module_count = -1

    def stay(self, sandbox: FunctionSandbox) -> Stay:
        """Swap the sandbox's world in (the caller holds the lock); ``end()`` the stay after."""
        stay = Stay(self, sandbox)
        stay.step_in()
        return stay

    @contextlib.contextmanager
    def inside(self, sandbox: FunctionSandbox) -> Iterator[Stay]:
        """The sandbox's world swapped in (caller holds the lock), and out afterwards."""
        stay = self.stay(sandbox)
        try:
            yield stay
        finally:
            stay.end()

    def host_modules(self) -> dict[str, ModuleType]:
        """Modules of the functions' folders the host itself imported (tests do)."""
        if len(sys.modules) != self._host_module_count:
            self._host_modules = {
                name: module
                for name, module in list(sys.modules.items())
                if module is not None and _owned_by(module, self.root_prefixes)
            }
            self._host_module_count = len(sys.modules)
        return self._host_modules

    def restore_host_modules(self) -> None:
        """Put the host's own modules of the functions' folders back."""
        sys.modules.update(self._host_modules)
        self._host_module_count = len(sys.modules)


def _owned_by(module: ModuleType, roots: tuple[str, ...]) -> bool:
    location = getattr(module, "__file__", None)
    if isinstance(location, str):
        return location.startswith(roots)
    paths = getattr(module, "__path__", None)
    if paths is not None:
        with contextlib.suppress(TypeError):
            return any(str(p).startswith(roots) for p in paths)
    return False


def _environ_data() -> dict[bytes, bytes] | None:
    """``os.environ``'s own dict of encoded names and values (CPython's ``os._Environ``)."""
    data = getattr(os.environ, "_data", None)
    return data if isinstance(data, dict) else None


def encode_environment(environment: Mapping[str, str]) -> dict[bytes, bytes]:
    """An environment as ``os.environ`` keeps it: encoded names and values."""
    return {os.fsencode(key): os.fsencode(value) for key, value in environment.items()}


def replace_environ(target: Mapping[str, str], encoded: dict[bytes, bytes] | None = None) -> None:
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
    wanted = encoded if encoded is not None else encode_environment(target)
    for key in data.keys() - wanted.keys():
        os.unsetenv(key)
        del data[key]
    for key, value in wanted.items():
        if data.get(key) != value:
            os.putenv(key, value)
            data[key] = value
