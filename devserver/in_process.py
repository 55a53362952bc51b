"""A template's functions in this process, without an emulator, a gateway or pollers.

The one way tests and benchmarks load and run a function (DESIGN section 8, rule 14): the
devserver's own runtime — each function in its own sandbox (modules, environment, output),
the context Lambda gives, Lambda's errors, timeouts — on resources that exist elsewhere::

    import devserver

    with devserver.load_functions(naming=lambda logical_id: f"test-{logical_id}") as functions:
        functions.invoke("home", event)          # by logical id or code folder
        functions.module("HomeFunction")         # the function's own handler module

The functions' variables are the template's, references resolved as the devserver resolves
them, but against resources that are only *named* here (``naming``, ``physical_ids``; see
``emulator.resources.named``), not created: the caller makes what the functions use — a
test creates the tables in an in-process moto (``mock_aws``), whose interception of every
botocore client the functions' own clients go through too. ``environment`` and
``function_environment`` then set (or, with ``None``, remove) variables, declared by the
template or not. Without ``endpoint_url`` the functions get no ``AWS_ENDPOINT_URL`` and
the emulator's placeholder credentials.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any

from .emulator.resources import LocalResources, Naming, ResourceNamer
from .endpoint import FAKE_CREDENTIALS, LOCAL_ACCOUNT_ID
from .errors import DevServerError, InvocationError
from .options import default_stack_name
from .report import Report
from .runtime import (
    InvocationResult,
    RequestObserver,
    Runtime,
    lambda_environment,
    resolve_dynamic_references,
)
from .runtime.output import LineSink
from .template import (
    TEMPLATE_PATH,
    TemplateError,
    evaluate_conditions,
    load_template,
    parameter_values,
    pseudo_parameters,
)
from .template.application import ApplicationLoader
from .template.functions import FunctionSpec

Variables = Mapping[str, str | None]


def load_functions(
    template: Path | str = TEMPLATE_PATH,
    *,
    naming: Callable[[str], str] | None = None,
    physical_ids: Mapping[str, str] | None = None,
    parameter_overrides: Mapping[str, str] | None = None,
    environment: Variables | None = None,
    function_environment: Mapping[str, Variables] | None = None,
    only: Iterable[str] | None = None,
    stack_name: str | None = None,
    region: str = "us-east-1",
    endpoint_url: str | None = None,
    on_request: RequestObserver | None = None,
    on_line: LineSink | None = None,
) -> Functions:
    """Load a template's functions in this process (each cold-started at its first use).

    - ``naming(logical_id)`` names every resource the template leaves unnamed (default:
      ``{stack}-{LogicalId}``, the stack being ``stack_name`` or samconfig's, as the
      devserver names them); ``physical_ids`` gives some resources' names (or a queue's
      URL, a topic's or a secret's ARN) outright.
    - ``parameter_overrides`` over the template's defaults (``Stage=local`` unless given).
    - ``environment`` sets (``None``: removes) variables of every function, after the
      template's; ``function_environment`` those of one function (by logical id), after that.
    - ``only``: the logical ids to load (default: every function whose condition holds).
    - ``endpoint_url``: the functions' ``AWS_ENDPOINT_URL`` (default none: boto3's own
      endpoints, which an in-process moto intercepts).
    - ``on_request(function_id, service, operation, params, response)`` is told of every
      AWS request a function's clients make (to count them per function).
    - ``on_line(function_id, line)`` gets every line a function writes (default: the
      process's standard error, prefixed with the function).
    """
    template_path = Path(template).resolve()
    document = load_template(template_path)
    stack = stack_name or default_stack_name(template_path)
    overrides = dict(parameter_overrides or {})
    if "Stage" in (document.get("Parameters") or {}) and "Stage" not in overrides:
        overrides["Stage"] = "local"
    try:
        parameters = parameter_values(document, overrides)
    except TemplateError as exc:
        raise DevServerError(str(exc)) from exc
    base_refs = {**parameters, **pseudo_parameters(region, LOCAL_ACCOUNT_ID, stack)}
    conditions = evaluate_conditions(document, base_refs)
    namer = ResourceNamer(
        document,
        base_refs=base_refs,
        conditions=conditions,
        naming=Naming(stack, naming),
        region=region,
        account_id=LOCAL_ACCOUNT_ID,
        physical_ids=physical_ids,
    )
    resources = namer.name_all()
    application = ApplicationLoader(
        document,
        template_path.parent,
        namer.intrinsics(),
        Report(),
        conditions=conditions,
        region=region,
        account_id=LOCAL_ACCOUNT_ID,
    ).load()
    specs = application.functions
    if only is not None:
        wanted = tuple(only)
        unknown = sorted(set(wanted) - set(specs))
        if unknown:
            raise DevServerError(f"no function {unknown} in {template_path.name}")
        specs = {logical_id: specs[logical_id] for logical_id in wanted}
    environments = {
        logical_id: _environment(
            spec,
            region=region,
            endpoint_url=endpoint_url,
            everywhere=environment or {},
            own=(function_environment or {}).get(logical_id, {}),
        )
        for logical_id, spec in specs.items()
    }
    runtime = Runtime(specs, environments, on_line=on_line or _to_stderr(), on_request=on_request)
    return Functions(runtime, resources, parameters)


class Functions:
    """A template's functions loaded in this process (``load_functions``); close to unload."""

    def __init__(
        self, runtime: Runtime, resources: LocalResources, parameters: Mapping[str, str]
    ) -> None:
        self.runtime = runtime
        #: every resource of the template: ``{logical id: physical id}``
        self.resources = {r.logical_id: r.physical_id for r in resources.by_id.values()}
        #: the template's parameters in effect
        self.parameters = dict(parameters)

    @property
    def ids(self) -> tuple[str, ...]:
        """The logical ids of the loaded functions."""
        return tuple(self.runtime.functions)

    def spec(self, function: str) -> FunctionSpec:
        """A function as the template declares it (code folder, handler, timeout …)."""
        return self.runtime.functions[self.function_id(function)]

    def environment(self, function: str) -> dict[str, str]:
        """The variables a function runs with."""
        return dict(self.runtime.sandboxes[self.function_id(function)].environment)

    def function_id(self, function: str) -> str:
        """The logical id of ``function``: a logical id, or a code folder's name (``home``)."""
        if function in self.runtime.functions:
            return function
        found = [
            logical_id
            for logical_id, spec in self.runtime.functions.items()
            if spec.code_dir.name == function
        ]
        if len(found) == 1:
            return found[0]
        if found:
            raise KeyError(f"{function}: the code of {sorted(found)}; name one by logical id")
        raise KeyError(f"no function {function} (loaded: {', '.join(self.ids)})")

    def load(self, function: str | None = None) -> None:
        """Cold-start one function (or all) now; ``InvocationError`` on an init error."""
        for logical_id in [self.function_id(function)] if function else self.ids:
            error = self.runtime.load(logical_id)
            if error is not None:
                raise InvocationError(logical_id, error)

    def module(self, function: str) -> ModuleType:
        """A function's own handler module (cold-started if it was not yet)."""
        logical_id = self.function_id(function)
        self.load(logical_id)
        module = self.runtime.module(logical_id)
        assert module is not None
        return module

    def invoke(self, function: str, event: Any) -> Any:
        """Invoke a function with an event; its result, or ``InvocationError``."""
        result = self.invoke_result(function, event)
        if result.error is not None:
            raise InvocationError(result.function_id, result.error)
        return result.value

    def invoke_result(self, function: str, event: Any) -> InvocationResult:
        """Invoke a function with an event; the whole result (value or error, logs, time)."""
        return self.runtime.invoke(self.function_id(function), event)

    def close(self) -> None:
        """Unload the functions (their modules are forgotten)."""
        self.runtime.close()

    def __enter__(self) -> Functions:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _environment(
    spec: FunctionSpec,
    *,
    region: str,
    endpoint_url: str | None,
    everywhere: Variables,
    own: Variables,
) -> dict[str, str]:
    environment = lambda_environment(
        spec, region=region, endpoint_url=endpoint_url, credentials=FAKE_CREDENTIALS
    )
    # moto routes DynamoDB Streams only on the regional endpoint (DESIGN.md section 7)
    environment["AWS_ACCOUNT_ID_ENDPOINT_MODE"] = "disabled"
    for variables in (everywhere, own):
        for name, value in variables.items():
            if value is None:
                environment.pop(name, None)
            else:
                environment[name] = value
    return resolve_dynamic_references(environment, _clients(region, endpoint_url))


def _clients(region: str, endpoint_url: str | None) -> Callable[[str], Any]:
    """boto3 clients for dynamic references (``{{resolve:…}}``), made only if one is there."""

    def client(service: str) -> Any:
        import boto3

        return boto3.client(service, region_name=region, endpoint_url=endpoint_url)

    return client


def _to_stderr() -> LineSink:
    # the process's own standard error: sys.stderr is a function's while it runs
    stream = sys.__stderr__

    def write(function_id: str, line: str) -> None:
        if stream is not None:
            stream.write(f"{function_id} | {line}\n")

    return write
