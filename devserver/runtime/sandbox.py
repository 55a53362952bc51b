"""Each function's own world — modules, ``sys.path``, environment, output — swapped in to run.

Lambda gives every function its own process: its own modules, environment variables and
output. Here all functions share one process, so each runs *alone* with its world swapped
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
one per consumer topology).
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

#: held while a function's world is swapped in: one at a time in this process
WORLD_LOCK = threading.Lock()


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


class Sandboxes:
    """Every function's sandbox, and the one way in: ``inside(sandbox)`` swaps its world in.

    The caller serialises: only one sandbox is inside at a time (it holds ``WORLD_LOCK``).
    """

    def __init__(
        self,
        sandboxes: Mapping[str, FunctionSandbox],
        output: OutputRouter,
    ) -> None:
        self.by_id = dict(sandboxes)
        self.output = output
        self._all_roots = tuple(
            sorted({root for sandbox in self.by_id.values() for root in sandbox.roots})
        )
        # "/functions/web/" must not own "/functions/web2/app.py"
        self._root_prefixes = tuple(os.path.join(root, "") for root in self._all_roots)
        self._host_modules: dict[str, ModuleType] = {}
        self._host_module_count = -1

    @contextlib.contextmanager
    def inside(self, sandbox: FunctionSandbox) -> Iterator[FunctionSandbox]:
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
        replace_environ(sandbox.environment, sandbox.encoded_environment)
        self.output.current = sandbox.output
        sys.stdout = sys.stderr = self.output
        try:
            yield sandbox
        finally:
            sandbox.output.flush()
            self.output.current = None
            sys.stdout, sys.stderr = host_stdout, host_stderr
            replace_environ(host_environ, host_encoded)
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
