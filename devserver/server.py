"""The devserver: the emulator, the template's resources, the API and the stream consumers.

``DevServer(options).start()`` (or ``devserver.start(...)``) brings up, in order: the
emulator child (unless ``endpoint_url`` points elsewhere), every resource the functions use,
the functions (cold-started at once, so import errors show at start), the API on
``api_port``, one stream reader per stream and one poller per ``DynamoDB`` event. ``stop()``
takes them down in the reverse order, the emulator last (it snapshots its state), so a
restart on the same state directory finds the data and the checkpoints where they were.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, TextIO

from .chaos import Chaos, ChaosSettings
from .checkpoints import CheckpointStore
from .console import Console
from .emulator import EmulatorError, EmulatorProcess
from .gateway import Gateway, GatewayServer
from .model import Application, ApplicationLoader, describe_stream_source
from .outbox import DEFAULT_STATE_DIR, Mail, clear_outbox, sent_mail
from .report import Report
from .resources import (
    BUCKET_TYPE,
    EMAIL_IDENTITY_TYPE,
    PARAMETER_TYPE,
    QUEUE_TYPE,
    SECRET_TYPE,
    TABLE_TYPE,
    TOPIC_TYPE,
    LocalResources,
    Naming,
    Provisioner,
)
from .runtime import FunctionError, InvocationResult, Runtime, lambda_environment
from .streams import Poller, StreamTail
from .template import (
    TEMPLATE_PATH,
    TemplateError,
    evaluate_conditions,
    load_template,
    parameter_values,
    pseudo_parameters,
)

LOCAL_ACCOUNT_ID = "123456789012"  # moto's default account
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
_CREDENTIAL_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
)
_DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:(secretsmanager|ssm|ssm-secure):([^}]+)\}\}")


class DevServerError(Exception):
    """The devserver cannot start as asked (the reason, and what to do, in the message)."""


class InvocationError(Exception):
    """A function invoked through ``DevServer.invoke`` failed; ``error`` says how."""

    def __init__(self, function_id: str, error: FunctionError) -> None:
        super().__init__(f"{function_id}: {error.type}: {error.message}")
        self.function_id = function_id
        self.error = error


@dataclass
class Options:
    """Everything that can be set on the command line, with the defaults of ``make run``."""

    template: Path = TEMPLATE_PATH
    state_dir: Path | None = DEFAULT_STATE_DIR
    reset: bool = False
    host: str = "127.0.0.1"
    api_port: int = 3000
    emulator_port: int = 0
    endpoint_url: str | None = None
    create_resources: bool = False
    stack_name: str | None = None
    region: str = "us-east-1"
    parameter_overrides: Mapping[str, str] = field(default_factory=dict)
    env_vars: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    poll_interval: float = 0.25
    snapshot_interval: float = 5.0
    verbose: bool = False
    chaos: ChaosSettings | None = None
    console: TextIO | None = field(default_factory=lambda: sys.stdout)
    strict: bool = False
    serve: bool = True
    only: tuple[str, ...] | None = None
    #: functions invoked once with an empty event when everything is up (seed data …)
    invoke_at_start: tuple[str, ...] = ()
    clock: Callable[[], float] = time.time


def read_env_vars(path: Path) -> dict[str, dict[str, str]]:
    """A ``sam local --env-vars`` file: ``{"Parameters": {...}, "<LogicalId>": {...}}``."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DevServerError(f"--env-vars {path}: {exc}") from exc
    if not isinstance(document, dict) or not all(isinstance(v, dict) for v in document.values()):
        raise DevServerError(f'--env-vars {path}: expected {{"Parameters": {{...}}, ...}}')
    return {key: {k: str(v) for k, v in values.items()} for key, values in document.items()}


def default_stack_name(template: Path) -> str:
    """The stack name of ``samconfig.toml`` next to the template, else ``devserver``."""
    import tomllib

    config = template.parent / "samconfig.toml"
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        document = tomllib.loads(config.read_text(encoding="utf-8"))
        return str(document["default"]["global"]["parameters"]["stack_name"])
    return "devserver"


class DevServer:
    """A running devserver: its URLs, resources and functions; ``wait_idle``, ``stop``."""

    def __init__(self, options: Options | None = None) -> None:
        self.options = options or Options()
        self.console = Console(self.options.console, verbose=self.options.verbose)
        self.report = Report()
        self.emulator: EmulatorProcess | None = None
        self.endpoint_url: str | None = None
        self.api_url: str | None = None
        self.resources: LocalResources | None = None
        self.application: Application | None = None
        self.runtime: Runtime | None = None
        self.gateway: Gateway | None = None
        self.server: GatewayServer | None = None
        self.tails: dict[str, StreamTail] = {}
        self.pollers: list[Poller] = []
        self.checkpoints: CheckpointStore | None = None
        self.chaos = Chaos(self.options.chaos) if self.options.chaos else None
        self.init_errors: dict[str, FunctionError] = {}
        self._lock_file: Any = None
        self._clients: dict[str, Any] = {}
        self._session: Any = None
        self._started = False

    # --- paths --------------------------------------------------------------------------

    @property
    def state_dir(self) -> Path | None:
        """Where the emulator's snapshot, the checkpoints and the outbox live."""
        return Path(self.options.state_dir) if self.options.state_dir is not None else None

    def _state_path(self, name: str) -> Path | None:
        return self.state_dir / name if self.state_dir is not None else None

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
        return self

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
        stack_name = options.stack_name or default_stack_name(template_path)
        overrides = dict(options.parameter_overrides)
        if "Stage" in (template.get("Parameters") or {}) and "Stage" not in overrides:
            overrides["Stage"] = "local"
        try:
            parameters = parameter_values(template, overrides)
        except TemplateError as exc:
            raise DevServerError(str(exc)) from exc
        account_id = self._account_id()
        base_refs = {**parameters, **pseudo_parameters(options.region, account_id, stack_name)}
        conditions = evaluate_conditions(template, base_refs)
        physical_ids = self._stack_physical_ids(stack_name)
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
        environments = {
            logical_id: self._resolve_dynamic_references(
                lambda_environment(
                    spec,
                    region=options.region,
                    endpoint_url=self.endpoint_url,
                    credentials=self._credentials(),
                    overrides={
                        **options.env_vars.get("Parameters", {}),
                        **options.env_vars.get(logical_id, {}),
                    },
                )
            )
            for logical_id, spec in functions.items()
        }
        self.runtime = Runtime(functions, environments, on_line=self.console.function_log)
        self.init_errors = self.runtime.load_all()
        for logical_id, error in self.init_errors.items():
            self.console.error(logical_id, f"{error.type}: {error.message}", error.stack)
        if not options.serve:
            return
        self.gateway = Gateway(
            [r for spec in functions.values() for r in spec.routes],
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
        self._start_streams(functions)
        self._write_runtime_file()

    def _prepare_state_dir(self) -> None:
        state_dir = self.state_dir
        if state_dir is None:
            return
        state_dir.mkdir(parents=True, exist_ok=True)
        self._lock_file = open(state_dir / "devserver.lock", "a+")  # noqa: SIM115 - held until stop
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock_file.close()
            self._lock_file = None
            raise DevServerError(
                f"another devserver is using {state_dir} (stop it, or pass another --state-dir)"
            ) from None
        if self.options.reset:
            for name in ("emulator.pickle", "emulator.tmp", "checkpoints.json", "devserver.json"):
                with contextlib.suppress(FileNotFoundError):
                    (state_dir / name).unlink()
            clear_outbox(state_dir)
        self.checkpoints = CheckpointStore(state_dir / "checkpoints.json")

    def _start_emulator(self) -> None:
        options = self.options
        if self.checkpoints is None:
            self.checkpoints = CheckpointStore(None)
        if options.endpoint_url is not None:
            self.endpoint_url = None if options.endpoint_url == "aws" else options.endpoint_url
            return
        self.emulator = EmulatorProcess(
            host="127.0.0.1",
            port=options.emulator_port,
            state_file=self._state_path("emulator.pickle"),
            outbox_dir=self._state_path("outbox"),
            snapshot_interval=options.snapshot_interval,
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

    def _emulator_event(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "mail":
            self.console.mail(event)
        elif kind == "warning":
            self.console.notice(f"emulator: {event.get('message')}")

    # --- AWS clients --------------------------------------------------------------------

    def _credentials(self) -> dict[str, str]:
        if self.emulator is not None:
            return dict(FAKE_CREDENTIALS)
        found = {name: os.environ[name] for name in _CREDENTIAL_VARIABLES if name in os.environ}
        return found or {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}

    def client(self, service: str) -> Any:
        """A boto3 client of the devserver's own (explicit endpoint, region, credentials)."""
        existing = self._clients.get(service)
        if existing is not None:
            return existing
        import boto3
        from botocore.config import Config

        if self._session is None:
            credentials = self._credentials()
            self._session = boto3.session.Session(
                aws_access_key_id=credentials.get("AWS_ACCESS_KEY_ID"),
                aws_secret_access_key=credentials.get("AWS_SECRET_ACCESS_KEY"),
                aws_session_token=credentials.get("AWS_SESSION_TOKEN"),
                profile_name=credentials.get("AWS_PROFILE"),
                region_name=self.options.region,
            )
        config = Config(
            retries={"mode": "standard", "max_attempts": 4},
            connect_timeout=5,
            read_timeout=30,
            account_id_endpoint_mode="disabled",
            max_pool_connections=16,
        )
        client = self._session.client(service, endpoint_url=self.endpoint_url, config=config)
        self._clients[service] = client
        return client

    def _account_id(self) -> str:
        if self.emulator is not None:
            return LOCAL_ACCOUNT_ID
        try:
            return str(self.client("sts").get_caller_identity()["Account"])
        except Exception:
            return "000000000000"

    def _stack_physical_ids(self, stack_name: str) -> dict[str, str] | None:
        """Against LocalStack or AWS: the deployed stack's resources (None: create them)."""
        if self.emulator is not None or self.options.create_resources:
            return None
        cloudformation = self.client("cloudformation")
        try:
            paginator = cloudformation.get_paginator("list_stack_resources")
            return {
                resource["LogicalResourceId"]: resource["PhysicalResourceId"]
                for page in paginator.paginate(StackName=stack_name)
                for resource in page["StackResourceSummaries"]
                if resource.get("PhysicalResourceId")
            }
        except Exception as exc:
            raise DevServerError(
                f"no stack {stack_name} at {self.endpoint_url or 'AWS'} ({exc}): deploy it "
                "(sam deploy), name it with --stack-name, or pass --create-resources"
            ) from exc

    def _resolve_dynamic_references(self, environment: dict[str, str]) -> dict[str, str]:
        """``{{resolve:secretsmanager:…}}`` and ``{{resolve:ssm:…}}`` in variable values."""

        def resolve(match: re.Match[str]) -> str:
            service, reference = match.group(1), match.group(2)
            if service == "secretsmanager":
                secret_id, _, rest = reference.partition(":SecretString")
                value = self.client("secretsmanager").get_secret_value(SecretId=secret_id)[
                    "SecretString"
                ]
                key = rest.lstrip(":").split(":", 1)[0]
                return str(json.loads(value)[key]) if key else value
            name = reference.split(":", 1)[0]
            decrypt = service == "ssm-secure"
            parameter = self.client("ssm").get_parameter(Name=name, WithDecryption=decrypt)
            return str(parameter["Parameter"]["Value"])

        return {k: _DYNAMIC_REFERENCE.sub(resolve, v) for k, v in environment.items()}

    # --- streams ------------------------------------------------------------------------

    def _start_streams(self, functions: Mapping[str, Any]) -> None:
        assert self.runtime is not None
        assert self.checkpoints is not None
        sources = [s for spec in functions.values() for s in spec.streams if s.enabled]
        streams_client = self.client("dynamodbstreams")
        for source in sources:
            if source.stream_arn not in self.tails:
                tail = StreamTail(
                    streams_client,
                    source.stream_arn,
                    region=self.options.region,
                    interval=self.options.poll_interval,
                    console=self.console,
                )
                tail.start()
                self.tails[source.stream_arn] = tail
            poller = Poller(
                source,
                functions[source.function_id],
                self.tails[source.stream_arn],
                self.runtime,
                self.console,
                self.checkpoints,
                send_to_destination=self._send_to_destination,
                chaos=self.chaos,
                interval=self.options.poll_interval,
                clock=self.options.clock,
            )
            poller.start()
            self.pollers.append(poller)

    def _send_to_destination(self, arn: str, document: dict[str, Any]) -> None:
        body = json.dumps(document)
        parts = arn.split(":", 5)
        if len(parts) != 6:
            raise DevServerError(f"on-failure destination {arn} is not an ARN")
        service, account, name = parts[2], parts[4], parts[5]
        if service == "sqs":
            url = self.resources.queue_url_for_arn(arn) if self.resources else None
            sqs = self.client("sqs")
            if url is None:
                url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody=body)
        elif service == "sns":
            self.client("sns").publish(TopicArn=arn, Message=body)
        else:
            raise DevServerError(f"on-failure destination {arn} is neither SQS nor SNS")

    # --- using it -----------------------------------------------------------------------

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Return once nothing is left to do: every stream read, every consumer caught up.

        Loops until a round in which every stream was read afresh, every poller was idle
        with nothing pending, and no function ran at all (so no write can be in flight).
        Raises ``TimeoutError`` naming the consumers still busy (a failing batch retried
        forever keeps its consumer busy).
        """
        assert self.runtime is not None
        deadline = time.monotonic() + timeout
        while True:
            # Count finished invocations, not started ones: an invocation running while the
            # streams are read may write after the read, and must cause another round.
            mark = self.runtime.completed
            for tail in self.tails.values():
                tail.sync(deadline)
            while not all(p.idle() for p in self.pollers) or self.runtime.in_flight:
                if time.monotonic() > deadline:
                    busy = [
                        f"{p.name} ({p.status}, {p.pending()} pending)"
                        for p in self.pollers
                        if not p.idle()
                    ]
                    raise TimeoutError(
                        f"not idle after {timeout:.0f} s: {', '.join(busy) or 'requests in flight'}"
                    )
                time.sleep(0.005)
            if self.runtime.completed == mark and self.runtime.in_flight == 0:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"still invoking functions after {timeout:.0f} s")

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
        if self.server is not None:
            self.server.stop()
            self.server = None
        for poller in self.pollers:
            poller.stop()
        self.pollers = []
        for tail in self.tails.values():
            tail.stop()
        self.tails = {}
        if self.runtime is not None:
            deadline = time.monotonic() + 30
            while self.runtime.in_flight and time.monotonic() < deadline:
                time.sleep(0.01)
        if self.emulator is not None:
            self.emulator.stop()
            self.emulator = None
        if self.state_dir is not None:
            with contextlib.suppress(FileNotFoundError):
                (self.state_dir / "devserver.json").unlink()
        if self._lock_file is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None
        if self._started and not quiet and self.options.serve:
            self.console.line("devserver stopped")
        self._started = False

    def __enter__(self) -> DevServer:
        return self if self._started else self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def _write_runtime_file(self) -> None:
        if self.state_dir is None:
            return
        document = {
            "pid": os.getpid(),
            "emulator_pid": self.emulator.pid if self.emulator is not None else None,
            "api_url": self.api_url,
            "endpoint_url": self.endpoint_url,
        }
        (self.state_dir / "devserver.json").write_text(json.dumps(document), encoding="utf-8")

    # --- the banner ---------------------------------------------------------------------

    def _banner(self, seconds: float) -> None:
        assert self.application is not None
        assert self.resources is not None
        assert self.runtime is not None
        write = self.console.line
        options = self.options
        write(f"devserver — {Path(options.template).name}, ready in {seconds:.1f} s")
        if self.emulator is not None:
            restored = "restored" if (self.emulator.ready or {}).get("restored") else "empty"
            state = (
                f"state {self._state_path('emulator.pickle')} ({restored})"
                if self.state_dir
                else "no state"
            )
            write(f"  emulator   {self.endpoint_url}  (moto, {state})")
        else:
            write(f"  endpoint   {self.endpoint_url or 'AWS'}")
        write(f"  api        {self.api_url}")
        labels = [
            (TABLE_TYPE, "tables"),
            (QUEUE_TYPE, "queues"),
            (BUCKET_TYPE, "buckets"),
            (TOPIC_TYPE, "topics"),
            (SECRET_TYPE, "secrets"),
            (PARAMETER_TYPE, "parameters"),
            (EMAIL_IDENTITY_TYPE, "mail from"),
        ]
        for resource_type, label in labels:
            for index, resource in enumerate(self.resources.of_type(resource_type)):
                name = label if index == 0 else ""
                write(
                    f"  {name:<10} {resource.logical_id} → "
                    f"{resource.detail or resource.physical_id}"
                )
        if self.state_dir is not None and self.emulator is not None:
            write(f"  outbox     {self.state_dir / 'outbox'}  (devserver.outbox.sent_mail)")
        if self.runtime.functions:
            write("  functions")
        for logical_id, spec in self.runtime.functions.items():
            status = "  (init error)" if logical_id in self.init_errors else ""
            write(f"    {logical_id}{status}")
            for route in spec.routes:
                write(f"      {route.method:<7} {route.path}")
            for source in spec.streams:
                table = source.table_id or source.stream_arn
                state = "" if source.enabled else " (disabled)"
                write(f"      stream  {table}: {describe_stream_source(source)}{state}")
        if self.chaos is not None:
            settings = self.chaos.settings
            write(
                f"  chaos      every batch twice, {settings.failure_rate:.0%} of invocations "
                f"fail (seed {settings.seed})"
            )
        for notice in self.report.notices:
            self.console.notice(str(notice))
        write("Ctrl-C stops everything")


def start(
    template: Path | str = TEMPLATE_PATH,
    *,
    state_dir: Path | str | None = DEFAULT_STATE_DIR,
    api_port: int = 3000,
    emulator_port: int = 0,
    poll_interval: float = 0.25,
    reset: bool = False,
    console: TextIO | None = None,
    **options: Any,
) -> DevServer:
    """Start a devserver (for tests: ``api_port=0`` picks a free port); call ``stop()``.

    Other keyword arguments are ``Options`` fields: ``parameter_overrides``, ``env_vars``,
    ``endpoint_url``, ``verbose``, ``chaos`` (a ``ChaosSettings``), ``clock`` …
    """
    return DevServer(
        Options(
            template=Path(template),
            state_dir=Path(state_dir) if state_dir is not None else None,
            api_port=api_port,
            emulator_port=emulator_port,
            poll_interval=poll_interval,
            reset=reset,
            console=console,
            **options,
        )
    ).start()
