"""``python -m devserver`` — run the template locally; ``… invoke`` — run one function once.

    python -m devserver [--reset] [--port 3000] [--verbose] [--chaos] …
    python -m devserver invoke HomePageFunction --event events/home_page/get.json

Ctrl-C (SIGINT) or SIGTERM stops everything the devserver started.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from .chaos import ChaosSettings
from .errors import DevServerError
from .options import Options, read_env_vars
from .outbox import DEFAULT_STATE_DIR
from .server import DevServer
from .statedir import running_runtime
from .template import TEMPLATE_PATH, TemplateError


def parse_parameter_overrides(values: list[str]) -> dict[str, str]:
    """``Key=Value`` pairs, or SAM's ``ParameterKey=K,ParameterValue=V`` form."""
    overrides: dict[str, str] = {}
    for value in values:
        if value.startswith("ParameterKey="):
            fields = dict(part.split("=", 1) for part in value.split(",", 1))
            overrides[fields["ParameterKey"]] = fields.get("ParameterValue", "")
            continue
        for pair in value.split():
            if "=" not in pair:
                raise argparse.ArgumentTypeError(f"parameter override {pair!r} is not Key=Value")
            key, _, text = pair.partition("=")
            overrides[key] = text.strip('"')
    return overrides


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--template", type=Path, default=TEMPLATE_PATH, help="the SAM template")
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=DEFAULT_STATE_DIR,
        help="emulator snapshot, checkpoints and outbox (default .devserver/)",
    )
    parser.add_argument(
        "--endpoint-url",
        metavar="URL",
        help="run against LocalStack (URL) or AWS ('aws') instead of the embedded emulator",
    )
    parser.add_argument(
        "--create-resources",
        action="store_true",
        help="with --endpoint-url: create the resources instead of using the deployed stack",
    )
    parser.add_argument("--stack-name", help="stack name (default: samconfig.toml's)")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument(
        "--parameter-overrides",
        nargs="+",
        default=[],
        metavar="KEY=VALUE",
        help="template parameters (Stage=local is the default)",
    )
    parser.add_argument(
        "--env-vars",
        type=Path,
        metavar="FILE",
        help="environment overrides in sam local's format: "
        '{"Parameters": {...}, "<LogicalId>": {...}}',
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="show the functions' logs")


def run_parser() -> argparse.ArgumentParser:
    """The options of ``python -m devserver`` (run)."""
    parser = argparse.ArgumentParser(
        prog="python -m devserver",
        description="Run template.yaml locally: emulator, API, stream consumers.",
        epilog="python -m devserver invoke <LogicalId> --event FILE runs one function once.",
    )
    _common(parser)
    parser.add_argument("--reset", action="store_true", help="start with empty data")
    parser.add_argument("--port", "--api-port", dest="port", type=int, default=3000)
    parser.add_argument("--host", default="127.0.0.1", help="the API's address")
    parser.add_argument(
        "--lambda-port",
        type=int,
        default=3001,
        help="the Lambda API (Invoke, event source mappings) on 127.0.0.1 (0: any free port)",
    )
    parser.add_argument(
        "--emulator-port", type=int, default=5000, help="the emulator's port (0: any free one)"
    )
    parser.add_argument(
        "--poll-interval",
        type=float,
        default=None,
        metavar="MS",
        help="poll every source every MS milliseconds and nothing more, as AWS's pollers do "
        "(250 is Lambda's cadence); without it, pollers are also woken by every write they "
        "read, and idle sources are polled every 250 ms",
    )
    parser.add_argument("--snapshot-interval", type=float, default=5.0, metavar="SECONDS")
    parser.add_argument("--chaos", action="store_true", help="duplicate batches, fail invocations")
    parser.add_argument("--chaos-failure-rate", type=float, default=0.1, metavar="FRACTION")
    parser.add_argument("--chaos-seed", type=int, default=0)
    parser.add_argument(
        "--chaos-api", action="store_true", help="let chaos fail API invocations too (502s)"
    )
    parser.add_argument(
        "--invoke-at-start",
        action="append",
        default=[],
        metavar="LogicalId",
        help="invoke this function once with an empty event when all is up (repeatable)",
    )
    parser.add_argument(
        "--run-at-start",
        action="append",
        default=[],
        metavar="COMMAND",
        help="run this shell command once all is up, in the template's folder, with "
        "AWS_ENDPOINT_URL, credentials, AWS_REGION and DEVSERVER_STATE_DIR/_API_URL/_LAMBDA_URL "
        "pointing at the devserver; its output goes to the console (repeatable)",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="refuse to start when the template has anything the devserver does not run",
    )
    return parser


def invoke_parser() -> argparse.ArgumentParser:
    """The options of ``python -m devserver invoke``."""
    parser = argparse.ArgumentParser(
        prog="python -m devserver invoke",
        description="Invoke one function of the template with one event; print its result.",
    )
    parser.add_argument("function", metavar="LogicalId")
    parser.add_argument(
        "--event", "-e", default=None, metavar="FILE", help="the event (JSON; '-' for stdin)"
    )
    _common(parser)
    return parser


def _options(arguments: argparse.Namespace, **overrides: Any) -> Options:
    env_vars = read_env_vars(arguments.env_vars) if arguments.env_vars else {}
    settings: dict[str, Any] = {
        "template": arguments.template,
        "state_dir": arguments.state_dir,
        "endpoint_url": arguments.endpoint_url,
        "create_resources": arguments.create_resources,
        "stack_name": arguments.stack_name,
        "region": arguments.region,
        "parameter_overrides": parse_parameter_overrides(arguments.parameter_overrides),
        "env_vars": env_vars,
        "verbose": arguments.verbose,
    }
    settings.update(overrides)
    return Options(**settings)


def _polling(milliseconds: float | None) -> dict[str, Any]:
    """``--poll-interval MS``: AWS's cadence, no wake-ups; without it, wake-ups on."""
    if milliseconds is None:
        return {"wake_on_writes": True}
    if milliseconds <= 0:
        raise SystemExit("devserver: --poll-interval takes a number of milliseconds above 0")
    return {"poll_interval": milliseconds / 1000, "wake_on_writes": False}


def run_options(argv: list[str]) -> Options:
    """The ``Options`` of ``python -m devserver`` with these arguments."""
    arguments = run_parser().parse_args(argv)
    chaos = None
    if arguments.chaos:
        chaos = ChaosSettings(
            failure_rate=arguments.chaos_failure_rate,
            seed=arguments.chaos_seed,
            include_api=arguments.chaos_api,
        )
    return _options(
        arguments,
        reset=arguments.reset,
        host=arguments.host,
        api_port=arguments.port,
        lambda_port=arguments.lambda_port,
        emulator_port=arguments.emulator_port,
        **_polling(arguments.poll_interval),
        snapshot_interval=arguments.snapshot_interval,
        chaos=chaos,
        strict=arguments.strict,
        invoke_at_start=tuple(arguments.invoke_at_start),
        run_at_start=tuple(arguments.run_at_start),
    )


def run(argv: list[str]) -> int:
    """Start the devserver and serve until SIGINT/SIGTERM."""
    options = run_options(argv)
    stop = threading.Event()

    def request_stop(*_args: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    server = DevServer(options)
    if not _started(server):
        return 2
    try:
        while not stop.wait(0.5):
            if server.emulator is not None and not server.emulator.alive():
                print("devserver: the emulator stopped unexpectedly", file=sys.stderr)
                return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        server.console.line("stopping …")
        server.stop()
    return 0


def _started(server: DevServer) -> bool:
    """Start ``server``; on a template or start-up error say why and return False."""
    try:
        server.start()
    except (DevServerError, TemplateError) as exc:
        print(f"devserver: {exc}", file=sys.stderr)
        return False
    return True


def _running_endpoint(state_dir: Path) -> str | None:
    """The emulator URL of a devserver running on ``state_dir``, if one is."""
    runtime = running_runtime(state_dir)
    return runtime.get("endpoint_url") if runtime is not None else None


def invoke(argv: list[str]) -> int:
    """Invoke one function with one event and print its result (``sam local invoke``)."""
    arguments = invoke_parser().parse_args(argv)
    if arguments.event in (None, ""):
        event: Any = {}
    elif arguments.event == "-":
        event = json.load(sys.stdin)
    else:
        event = json.loads(Path(arguments.event).read_text(encoding="utf-8"))
    overrides: dict[str, Any] = {
        "serve": False,
        "only": (arguments.function,),
        "console": sys.stderr,
    }
    running = None
    if arguments.endpoint_url is None and arguments.state_dir is not None:
        running = _running_endpoint(arguments.state_dir)
    if running is not None:
        # A devserver runs on this state: use its emulator (its resources exist already).
        arguments.endpoint_url = running
        arguments.create_resources = True
        overrides["state_dir"] = None
    server = DevServer(_options(arguments, **overrides))
    if not _started(server):
        return 2
    try:
        result = server.invoke_result(arguments.function, event)
    finally:
        server.stop()
    if result.error is not None:
        print(json.dumps(result.error.to_lambda(result.request_id)))
        return 1
    print(json.dumps(result.value))
    return 0


def main(argv: list[str] | None = None) -> int:
    """The entry point of ``python -m devserver``."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments and arguments[0] == "invoke":
        return invoke(arguments[1:])
    if arguments and arguments[0] == "run":
        arguments = arguments[1:]
    return run(arguments)
