"""What the benchmarks share: the template's functions as Lambda sees them, a moto process.

Not a benchmark itself (``make bench`` runs it too and it says so). ``benchmarks/store.py``
keeps its own in-process moto server; ``actions.py`` runs moto in a separate process so
that the CPU time of this process is the functions' own.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LAYERS = [ROOT / "layers" / "message_store", ROOT / "layers" / "video_tutorials"]
REGION = "us-east-1"
ACCOUNT = "123456789012"

#: Fake credentials: the only endpoints the benchmarks talk to are their own moto servers
#: (or a dead port).
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    # moto 5.2 does not route the account-based DynamoDB Streams endpoints
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
}


def put_project_on_path() -> None:
    """The layers (as Lambda puts them on ``sys.path``) and the project root (devserver, tests)."""
    for path in [ROOT, *LAYERS]:
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))


def use_fake_credentials() -> None:
    os.environ.update(FAKE_CREDENTIALS)
    os.environ.pop("AWS_PROFILE", None)


def free_port() -> int:
    """A local TCP port nobody listens on (at the time of the call)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def moto_process(timeout: float = 30.0) -> Iterator[str]:
    """A moto server in its own process on 127.0.0.1; yields its endpoint URL.

    Its own process, so that the CPU time of the calling process is the functions' own
    (moto's request handling would otherwise share it). Stopped by its process id.
    """
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **FAKE_CREDENTIALS},
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto server did not start on {endpoint}") from None
                time.sleep(0.1)
        yield endpoint
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# -- the template's functions -------------------------------------------------------------


@dataclass(frozen=True)
class StreamTrigger:
    """A function's DynamoDB Streams event source: whose stream, batch size, filters."""

    table: str  # the logical id of the table whose stream it reads
    batch_size: int
    filters: list[dict[str, Any]]  # the FilterCriteria patterns, parsed


@dataclass(frozen=True)
class ApiRoute:
    path: str  # "/record-viewing/{videoId}", "/auth/{proxy+}"
    method: str  # "GET", "POST", "ANY"


@dataclass(frozen=True)
class Function:
    """One ``AWS::Serverless::Function`` of the template, as Lambda would run it."""

    logical_id: str
    directory: str  # functions/<directory>/app.py
    memory_mb: int
    environment: dict[str, str]
    services: frozenset[str]  # the AWS services its IAM policies allow ("dynamodb", "ses" …)
    routes: list[ApiRoute] = field(default_factory=list)
    triggers: list[StreamTrigger] = field(default_factory=list)

    @property
    def name(self) -> str:
        """Its service name (``POWERTOOLS_SERVICE_NAME``), else the directory."""
        return self.environment.get("POWERTOOLS_SERVICE_NAME", self.directory)


def load_template() -> dict[str, Any]:
    put_project_on_path()
    from devserver.template import load_template as load

    return load()


def resource_refs(template: Mapping[str, Any], prefix: str) -> dict[str, str]:
    """What ``!Ref`` gives for each parameter (its default) and resource (a made-up name)."""
    from devserver.template import parameter_defaults

    refs: dict[str, str] = {**parameter_defaults(template), "AWS::StackName": prefix}
    refs.update({"AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::Partition": "aws"})
    for logical_id, resource in template["Resources"].items():
        if resource.get("Type") == "AWS::SecretsManager::Secret":
            refs[logical_id] = (
                f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{prefix}-{logical_id}"
            )
        else:
            refs[logical_id] = f"{prefix}-{logical_id}"
    return refs


def template_functions(template: Mapping[str, Any], refs: Mapping[str, str]) -> dict[str, Function]:
    """Every function of the template by logical id: environment resolved against ``refs``."""
    from devserver.template import Intrinsics

    intrinsics = Intrinsics(refs=refs)
    defaults = (template.get("Globals") or {}).get("Function") or {}
    global_env = (defaults.get("Environment") or {}).get("Variables") or {}
    functions: dict[str, Function] = {}
    for logical_id, resource in template["Resources"].items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        properties = resource.get("Properties") or {}
        own_env = (properties.get("Environment") or {}).get("Variables") or {}
        environment = {
            name: str(value)
            for name, value in intrinsics.resolve({**global_env, **own_env}).items()
            if value is not None
        }
        routes, triggers = [], []
        for event in (properties.get("Events") or {}).values():
            event_properties = event.get("Properties") or {}
            if event.get("Type") == "Api":
                routes.append(
                    ApiRoute(event_properties["Path"], str(event_properties["Method"]).upper())
                )
            elif event.get("Type") == "DynamoDB":
                stream = event_properties["Stream"]  # {"Fn::GetAtt": [table, "StreamArn"]}
                criteria = event_properties.get("FilterCriteria") or {}
                triggers.append(
                    StreamTrigger(
                        table=stream["Fn::GetAtt"][0],
                        batch_size=int(event_properties.get("BatchSize", 100)),
                        filters=[json.loads(f["Pattern"]) for f in criteria.get("Filters", [])],
                    )
                )
        functions[logical_id] = Function(
            logical_id=logical_id,
            directory=Path(properties["CodeUri"]).name,
            memory_mb=int(properties.get("MemorySize", defaults.get("MemorySize", 128))),
            environment=environment,
            services=frozenset(_policy_services(properties.get("Policies") or [])),
            routes=routes,
            triggers=triggers,
        )
    return functions


def _policy_services(policies: list[Any]) -> set[str]:
    services: set[str] = set()
    for policy in policies:
        if not isinstance(policy, dict):
            continue
        for statement in policy.get("Statement", []):
            actions = statement.get("Action", [])
            for action in [actions] if isinstance(actions, str) else actions:
                services.add(action.split(":", 1)[0])
    return services


if __name__ == "__main__":
    print("(helpers of the other benchmarks: nothing to measure here)")
