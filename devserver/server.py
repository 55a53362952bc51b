"""The devserver: the emulator, the template's resources, the API and the event consumers.

``DevServer(options).start()`` (or ``devserver.start(...)``) brings up, in order: the
emulator child (unless ``endpoint_url`` points elsewhere), every resource the functions use,
the functions (cold-started at once, so import errors show at start), the API on
``api_port``, and the event source mappings' pollers. ``stop()`` takes them down in the
reverse order, the emulator last (it snapshots its state), so a restart on the same state
directory finds the data and the checkpoints where they were.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, TextIO

from .at_start import StartCommands, command_environment
from .banner import Banner, consumer_descriptions
from .chaos import Chaos
from .console import Console
from .emulator import EmulatorError, EmulatorProcess
from .emulator.resources import LocalResources, Naming, Provisioner
from .endpoint import Endpoint
from .errors import DevServerError, InvocationError
from .gateway import Gateway, GatewayServer
from .lambda_api import LambdaApi, LambdaApiServer
from .mappings import EventSourceMappings
from .mappings.checkpoints import CheckpointStore
from .mappings.destinations import Destinations
from .mappings.poller import Poller
from .mappings.wakeups import table_of_stream
from .options import Options, default_stack_name
from .outbox import DEFAULT_STATE_DIR, Mail, sent_mail
from .report import Report
from .runtime import (
    FunctionError,
    InvocationResult,
    Runtime,
    host_environment,
    lambda_environment,
    resolve_dynamic_references,
)
from .statedir import StateDir
from .template import (
    TEMPLATE_PATH,
    TemplateError,
    evaluate_conditions,
    load_template,
    parameter_values,
    pseudo_parameters,
)
from .template.application import Application, ApplicationLoader


class DevServer:
    """A running devserver: its URLs, resources and functions; ``wait_idle``, ``stop``."""

    def __init__(self, options: Options | None = None) -> None:
        self.options = options or Options()
        self.console = Console(self.options.console, verbose=self.options.verbose)
        self.report = Report()
        self.emulator: EmulatorProcess | None = None
        self.endpoint: Endpoint | None = None
        self.endpoint_url: str | None = None
        self.api_url: str | None = None
        #: the Lambda API's URL (``boto3.client("lambda", endpoint_url=...)``)
        self.lambda_url: str | None = None
        self.resources: LocalResources | None = None
        #: the template's parameters in effect (defaults, overrides, ``Stage=local``)
        self.parameters: dict[str, str] = {}
        self._secret_parameters: frozenset[str] = frozenset()
        self.application: Application | None = None
        self.runtime: Runtime | None = None
        self.gateway: Gateway | None = None
        self.server: GatewayServer | None = None
        self.lambda_server: LambdaApiServer | None = None
        self.mappings: EventSourceMappings | None = None
        self.checkpoints: CheckpointStore | None = None
        self.chaos = Chaos(self.options.chaos) if self.options.chaos else None
        self.init_errors: dict[str, FunctionError] = {}
        #: the ``--run-at-start`` commands (``wait()`` for their exit statuses), once started
        self.start_commands: StartCommands | None = None
        self._commands: list[StartCommands] = []
        #: the console's text stream, for callers that want it at hand (tests print it)
        self.console_output: TextIO | None = self.options.console
        self._state: StateDir | None = None
        self._started = False

    # --- paths --------------------------------------------------------------------------

    @property
    def state_dir(self) -> Path | None:
        """Where the emulator's snapshot, the checkpoints and the outbox live."""
        return Path(self.options.state_dir) if self.options.state_dir is not None else None

    def _state_path(self, name: str) -> Path | None:
        return self.state_dir / name if self.state_dir is not None else None

    @property
    def pollers(self) -> list[Poller]:
        """Every event source mapping's poller (``name``, ``status``, ``pending()``, ``idle()``)."""
        return list(self.mappings.pollers) if self.mappings is not None else []

    # --- start --------------------------------------------------------------------------

    def start(self) -> DevServer:
        """Start everything; return self. On failure, stop what started and raise."""
        started = time.monotonic()
        try:
            self._start()
        except BaseException:
            self.stop(quiet=True)
            raise
        self._started = True
        if self.options.serve:
            self._banner(time.monotonic() - started)
        for function_id in self.options.invoke_at_start:
            self._invoke_at_start(function_id)
        if self.options.serve and self.options.run_at_start:
            self.start_commands = self.run_commands(self.options.run_at_start)
        return self

    def run_commands(self, commands: Sequence[str]) -> StartCommands:
        """Run shell commands against this devserver, as ``--run-at-start`` runs them.

        In the template's folder, one after the other on a thread, with the host's
        environment pointed at the devserver (``at_start.command_environment``), their
        output on the console; ``wait()`` for their exit statuses. Those still running
        when the devserver stops are ended.
        """
        if self.endpoint is None:
            raise DevServerError("the devserver has no endpoint yet (start it first)")
        environment = command_environment(
            host_environment(),
            region=self.options.region,
            endpoint_url=self.endpoint_url,
            credentials=self.endpoint.credentials() if self.endpoint.embedded else None,
            state_dir=self.state_dir,
            api_url=self.api_url,
            lambda_url=self.lambda_url,
        )
        running = StartCommands(
            commands,
            cwd=Path(self.options.template).resolve().parent,
            environment=environment,
            console=self.console,
        )
        self._commands.append(running)
        running.start()
        return running

    def _invoke_at_start(self, function_id: str) -> None:
        if self.application is None or function_id not in self.application.functions:
            raise DevServerError(f"--invoke-at-start {function_id}: no such function")
        result = self.invoke_result(function_id, {})
        outcome = result.error if result.error is not None else result.value
        self.console.line(f"invoked {function_id} at start: {json.dumps(outcome, default=str)}")

    def _start(self) -> None:
        options = self.options
        template_path = Path(options.template).resolve()
        template = load_template(template_path)
        self._prepare_state_dir()
        self._start_emulator()
        endpoint = self.endpoint
        assert endpoint is not None
        stack_name = options.stack_name or default_stack_name(template_path)
        overrides = dict(options.parameter_overrides)
        if "Stage" in (template.get("Parameters") or {}) and "Stage" not in overrides:
            overrides["Stage"] = "local"
        try:
            parameters = parameter_values(template, overrides)
        except TemplateError as exc:
            raise DevServerError(str(exc)) from exc
        self.parameters = dict(parameters)
        self._secret_parameters = frozenset(
            name
            for name, spec in (template.get("Parameters") or {}).items()
            if str((spec or {}).get("NoEcho", "")).lower() == "true"
        )
        account_id = endpoint.account_id()
        base_refs = {**parameters, **pseudo_parameters(options.region, account_id, stack_name)}
        conditions = evaluate_conditions(template, base_refs)
        physical_ids = None
        if not endpoint.embedded and not options.create_resources:
            physical_ids = endpoint.stack_physical_ids(stack_name)
        provisioner = Provisioner(
            template,
            self.client,
            base_refs=base_refs,
            conditions=conditions,
            naming=Naming(stack_name),
            region=options.region,
            account_id=account_id,
            report=self.report,
            create=physical_ids is None,
            physical_ids=physical_ids,
        )
        self.resources = provisioner.provision()
        loader = ApplicationLoader(
            template,
            template_path.parent,
            provisioner.intrinsics(),
            self.report,
            conditions=conditions,
            region=options.region,
            account_id=account_id,
        )
        self.application = loader.load()
        functions = self.application.functions
        if options.only is not None:
            unknown = set(options.only) - set(functions)
            if unknown:
                raise DevServerError(f"no function {sorted(unknown)} in {template_path.name}")
            functions = {k: v for k, v in functions.items() if k in options.only}
        if options.strict and self.report.notices:
            raise DevServerError(
                "unsupported in the template (--strict):\n  "
                + "\n  ".join(str(n) for n in self.report.notices)
            )
        if options.serve:
            # bound now, served once everything is up: the functions' Lambda clients are
            # pointed at it (AWS_ENDPOINT_URL_LAMBDA), e.g. an operator's redrive invoking one
            try:
                self.lambda_server = LambdaApiServer(("127.0.0.1", options.lambda_port), None)
            except OSError as exc:
                raise DevServerError(
                    f"cannot serve the Lambda API on 127.0.0.1:{options.lambda_port} ({exc}): "
                    "is another devserver running? (--lambda-port N picks another port)"
                ) from exc
        lambda_endpoint = (
            {"AWS_ENDPOINT_URL_LAMBDA": self.lambda_server.url} if self.lambda_server else {}
        )
        environments = {
            logical_id: resolve_dynamic_references(
                lambda_environment(
                    spec,
                    region=options.region,
                    endpoint_url=self.endpoint_url,
                    credentials=endpoint.credentials(),
                    overrides={
                        **options.env_vars.get("Parameters", {}),
                        **options.env_vars.get(logical_id, {}),
                    },
                )
                | lambda_endpoint,
                self.client,
            )
            for logical_id, spec in functions.items()
        }
        self.runtime = Runtime(
            functions,
            environments,
            on_line=self.console.function_log,
            on_invoked=self._invoked if options.wake_on_writes and not endpoint.embedded else None,
        )
        # a page's sleep ends when its view is written (AWS's cadence: the sleep runs out)
        self.runtime.tables.wake_sleepers = options.wake_on_writes
        # whose writes feed a mapping (whose turn comes sooner: ``runtime.turns``)
        self.runtime.tables.sources = frozenset(
            table_of_stream(mapping.source_arn)
            for mapping in self.application.mappings
            if ":dynamodb:" in mapping.source_arn
        )
        assert self.checkpoints is not None
        resources = self.resources
        self.mappings = EventSourceMappings(
            self.application.mappings,
            functions,
            self.runtime,
            self.console,
            self.checkpoints,
            clients=self.client,
            destinations=Destinations(self.client, resources.queue_url_for_arn),
            queue_url_for_arn=resources.queue_url_for_arn,
            subscriptions=resources.subscriptions(),
            region=options.region,
            interval=options.poll_interval,
            chaos=self.chaos,
            clock=options.clock,
        )
        self.init_errors = self.runtime.load_all()
        for logical_id, error in self.init_errors.items():
            self.console.error(logical_id, f"{error.type}: {error.message}", error.stack)
        if not options.serve:
            return
        self.gateway = Gateway(
            [r for r in self.application.routes if r.function_id in functions],
            self.application.apis,
            self.runtime,
            self.console,
            account_id=account_id,
            chaos=self.chaos.draw_api if self.chaos else None,
        )
        try:
            self.server = GatewayServer((options.host, options.api_port), self.gateway)
        except OSError as exc:
            raise DevServerError(
                f"cannot serve the API on {options.host}:{options.api_port} ({exc}): "
                "is another devserver running? (--port N picks another port)"
            ) from exc
        self.server.start()
        self.api_url = f"http://{options.host}:{self.server.server_address[1]}"
        self.mappings.start()
        assert self.lambda_server is not None
        self.lambda_server.api = LambdaApi(self.runtime, self.mappings, self.console)
        self.lambda_server.start()
        self.lambda_url = self.lambda_server.url
        self._write_runtime_file()

    def _prepare_state_dir(self) -> None:
        state_dir = self.state_dir
        if state_dir is None:
            self.checkpoints = CheckpointStore(None)
            return
        self._state = StateDir(state_dir)
        self._state.acquire(reset=self.options.reset)
        self.checkpoints = CheckpointStore(state_dir / "checkpoints.json")

    def _start_emulator(self) -> None:
        options = self.options
        if options.endpoint_url is not None:
            self.endpoint_url = None if options.endpoint_url == "aws" else options.endpoint_url
            self.endpoint = Endpoint(self.endpoint_url, embedded=False, region=options.region)
            return
        self.emulator = EmulatorProcess(
            host="127.0.0.1",
            port=options.emulator_port,
            state_file=self._state_path("emulator.pickle"),
            outbox_dir=self._state_path("outbox"),
            snapshot_interval=options.snapshot_interval,
            report_writes=options.wake_on_writes,
            on_event=self._emulator_event,
        )
        try:
            self.endpoint_url = self.emulator.start()
        except EmulatorError as exc:
            if options.emulator_port == 0 or "cannot listen" not in str(exc):
                raise DevServerError(str(exc)) from exc
            self.console.notice(f"port {options.emulator_port} is taken: the emulator uses another")
            self.emulator.port = 0
            self.endpoint_url = self.emulator.start()
        self.endpoint = Endpoint(self.endpoint_url, embedded=True, region=options.region)

    def _emulator_event(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "mail":
            self.console.mail(event)
        elif kind == "write":
            if self.mappings is not None:
                self.mappings.wake_for(str(event.get("service")), event.get("targets"))
        elif kind == "warning":
            self.console.notice(f"emulator: {event.get('message')}")

    def _invoked(self, _result: InvocationResult) -> None:
        # Against another endpoint nothing reports writes: whatever the function wrote,
        # every source reads now.
        if self.mappings is not None:
            self.mappings.wake_all()

    # --- using it -----------------------------------------------------------------------

    def client(self, service: str) -> Any:
        """A boto3 client of the devserver's own (explicit endpoint, region, credentials)."""
        if self.endpoint is None:
            raise DevServerError("the devserver has no endpoint yet (start it first)")
        return self.endpoint.client(service)

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Return once nothing is left to do: every stream read, every consumer caught up.

        Loops until a round in which every source was read afresh, every poller was idle
        with nothing pending, and no function ran at all (so no write can be in flight).
        Raises ``TimeoutError`` naming the consumers still busy (a failing batch retried
        forever keeps its consumer busy).
        """
        assert self.mappings is not None
        self.mappings.wait_idle(timeout)

    def expire_stream_records(self, older_than: float | None = None) -> int:
        """Do now what DynamoDB Streams does to a record 24 hours old: drop it.

        Every DynamoDB stream record created more than ``older_than`` seconds ago (``None``:
        every record written so far) is gone for the event source mappings: one that had not
        read it never will (it goes on at the trim horizon, as Lambda does), one created or
        first enabled later starts after it. The table itself keeps its items: what a
        consumer deployed late must build from the store (``rebuild``). Kept across restarts
        with the checkpoints; the number of records expired."""
        if self.mappings is None:
            raise DevServerError("the devserver is not started")
        return self.mappings.expire_stream_records(older_than)

    def invoke(self, function_id: str, event: Any) -> Any:
        """Invoke one function with an event; its result, or ``InvocationError``."""
        result = self.invoke_result(function_id, event)
        if result.error is not None:
            raise InvocationError(function_id, result.error)
        return result.value

    def invoke_result(self, function_id: str, event: Any) -> InvocationResult:
        """Invoke one function with an event; the whole result (value or error, logs)."""
        assert self.runtime is not None
        return self.runtime.invoke(function_id, event)

    def function_module(self, function_id: str) -> ModuleType | None:
        """A function's handler module (its own copy): for tests and benchmarks."""
        assert self.runtime is not None
        return self.runtime.module(function_id)

    def sent_mail(self, to: str | None = None) -> list[Mail]:
        """The mail sent through the emulator's SES so far (see ``devserver.outbox``)."""
        if self.state_dir is None:
            return []
        return sent_mail(self.state_dir, to=to)

    def physical_name(self, logical_id: str) -> str:
        """A resource's name (table, bucket), URL (queue) or ARN (secret, topic)."""
        assert self.resources is not None
        return self.resources.by_id[logical_id].physical_id

    # --- stop ---------------------------------------------------------------------------

    def stop(self, quiet: bool = False) -> None:
        """Stop everything this devserver started, the emulator last (it snapshots)."""
        for commands in self._commands:
            commands.stop()
        if self.server is not None:
            self.server.stop()
            self.server = None
        if self.lambda_server is not None:
            self.lambda_server.stop()
            self.lambda_server = None
        if self.mappings is not None:
            self.mappings.stop()
        if self.runtime is not None:
            deadline = time.monotonic() + 30
            while self.runtime.in_flight and time.monotonic() < deadline:
                time.sleep(0.01)
            self.runtime.close()
        if self.emulator is not None:
            self.emulator.stop()
            self.emulator = None
        if self._state is not None:
            self._state.release()
            self._state = None
        if self._started and not quiet and self.options.serve:
            self.console.line("devserver stopped")
        self._started = False

    def __enter__(self) -> DevServer:
        return self if self._started else self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def _write_runtime_file(self) -> None:
        if self._state is None:
            return
        self._state.write_runtime(
            {
                "pid": os.getpid(),
                "emulator_pid": self.emulator.pid if self.emulator is not None else None,
                "api_url": self.api_url,
                "lambda_url": self.lambda_url,
                "endpoint_url": self.endpoint_url,
                "region": self.options.region,
                # for operator tools (video_tutorials.stack.Stack.from_devserver): every
                # resource created or found, {logical id: physical id}, as CloudFormation's
                # ListStackResources gives them for a deployed stack
                "resources": {
                    logical_id: resource.physical_id
                    for logical_id, resource in (
                        self.resources.by_id if self.resources else {}
                    ).items()
                },
                # NoEcho parameters masked, as CloudFormation's DescribeStacks masks them
                "parameters": {
                    name: "****" if name in self._secret_parameters else value
                    for name, value in self.parameters.items()
                },
            }
        )

    def _banner(self, seconds: float) -> None:
        assert self.application is not None
        assert self.resources is not None
        assert self.runtime is not None
        emulator_state = None
        if self.emulator is not None:
            restored = bool((self.emulator.ready or {}).get("restored"))
            emulator_state = (self._state_path("emulator.pickle"), restored)
        banner = Banner(
            template=Path(self.options.template),
            seconds=seconds,
            endpoint_url=self.endpoint_url,
            api_url=self.api_url,
            lambda_url=self.lambda_url,
            resources=self.resources,
            application=self.application,
            functions=self.runtime.functions,
            emulator_state=emulator_state,
            outbox=self._state_path("outbox") if self.emulator is not None else None,
            init_errors=self.init_errors,
            chaos=self.options.chaos,
            consumers=consumer_descriptions(
                self.runtime,
                [f for f in self.runtime.functions if self.application.mappings_of(f)],
            ),
        )
        for line in banner.lines():
            self.console.line(line)
        for notice in self.report.notices:
            self.console.notice(str(notice))
        self.console.line("Ctrl-C stops everything")


def start(
    template: Path | str = TEMPLATE_PATH,
    *,
    state_dir: Path | str | None = DEFAULT_STATE_DIR,
    api_port: int = 3000,
    emulator_port: int = 0,
    poll_interval: float = 0.25,
    reset: bool = False,
    console: TextIO | None = None,
    lambda_port: int | None = None,
    **options: Any,
) -> DevServer:
    """Start a devserver (for tests: ``api_port=0`` picks a free port); call ``stop()``.

    ``lambda_port`` defaults to 3001, or to a free port when ``api_port`` is 0 (a test's
    devserver never takes a running one's ports). Other keyword arguments are ``Options``
    fields: ``parameter_overrides``, ``env_vars``, ``endpoint_url``, ``verbose``,
    ``wake_on_writes``, ``chaos`` (a ``ChaosSettings``), ``clock`` …
    """
    if lambda_port is None:
        lambda_port = 0 if api_port == 0 else 3001
    return DevServer(
        Options(
            template=Path(template),
            state_dir=Path(state_dir) if state_dir is not None else None,
            api_port=api_port,
            lambda_port=lambda_port,
            emulator_port=emulator_port,
            poll_interval=poll_interval,
            reset=reset,
            console=console,
            **options,
        )
    ).start()
