"""Cold start: the time to import each function's ``app.py`` in a fresh Python process,
as a ratio to importing boto3 alone.

``make bench`` runs it (or ``.venv/bin/python benchmarks/cold_start.py``). The functions are
the devserver's model of ``template.yaml`` (every function of the ``Queues`` topology, which
has them all: the relay besides the others): each one's code folder and layers go on
``sys.path`` as Lambda puts them (the layers' dependencies come from this virtual
environment's site-packages), and its environment is the one the devserver gives it —
Lambda's own variables and the template's, globals merged — in a fresh interpreter
(``python -I``), with fake credentials, an empty ``HOME``, and ``AWS_ENDPOINT_URL`` on a
local port nobody listens on, so that a network call at import fails at once instead of
hanging. An audit hook records every connect, name lookup or send during the import:
module import must not touch the network. (urllib3 binds a socket to ``::1`` at import to
probe for IPv6: local, no traffic, not counted.)

The runs alternate (each round runs every target once, in a shuffled order) and the
figures are medians. Then one ``-X importtime`` run per function shows where its import
time goes. Target: every function imports in at most 1.3 times ``import boto3``. A report,
not a test: the exit code is 0 whatever the figures.
"""

from __future__ import annotations

import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the devserver, whose template model says what each function is

from devserver.runtime import lambda_environment  # noqa: E402
from devserver.template.functions import FunctionSpec  # noqa: E402

ROUNDS = 21  # alternating rounds: every target once per round (the 2 cores are shared)
TARGET_RATIO = 1.3  # every function imports in at most 1.3 times `import boto3`
BASELINE = "import boto3"
MARKER = "--- bench: the import starts"
TOP_PACKAGES = 6

#: What runs in the fresh process: the import, timed, and what it brought in.
CHILD = r"""
import json, sys, time
NETWORK_EVENTS = {
    "socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr",
    "socket.sendto", "socket.sendmsg",
}
network = []
def audit(event, args):
    if event in NETWORK_EVENTS:
        network.append(f"{event} {args!r}"[:200])
sys.addaudithook(audit)
paths, module, services, marker = json.loads(sys.argv[1])
sys.path[:0] = paths
sys.stderr.write(marker + "\n"); sys.stderr.flush()
started = time.perf_counter()
__import__(module)
imported = time.perf_counter() - started
sys.stderr.write(marker + " (end)\n"); sys.stderr.flush()
result = {
    "import": imported,
    "modules": len(sys.modules),
    "boto3": "boto3" in sys.modules,
    "botocore": "botocore" in sys.modules,
    "network": list(network),
}
if services:
    from message_store import aws
    started = time.perf_counter()
    for service in services:
        aws.client(service)
    result["clients"] = time.perf_counter() - started
    result["network"] = list(network)
print(json.dumps(result))
"""


@dataclass
class Target:
    name: str
    module: str  # what the child imports
    paths: list[str]
    environment: dict[str, str]
    services: list[str] = field(default_factory=list)
    imports: list[float] = field(default_factory=list)
    clients: list[float] = field(default_factory=list)
    last: dict[str, Any] = field(default_factory=dict)

    def command(self, *flags: str) -> list[str]:
        argument = json.dumps([self.paths, self.module, self.services, MARKER])
        return [sys.executable, "-I", *flags, "-c", CHILD, argument]

    def run(self, *flags: str) -> tuple[dict[str, Any], str]:
        done = subprocess.run(
            self.command(*flags),
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{self.name}: the import failed\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


REGION = "us-east-1"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
#: the clients a function's first invocations create (through the library's factory)
CLIENT_SERVICES = ("dynamodb", "s3", "secretsmanager", "ses", "sns")


def free_port() -> int:
    """A local TCP port nobody listens on (at the time of the call)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def base_environment(home: str, dead_port: int) -> dict[str, str]:
    """What every process gets: no user configuration, fake credentials, a dead endpoint."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "LANG": "C.UTF-8",
        "TZ": ":UTC",
        "AWS_CONFIG_FILE": str(Path(home) / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(Path(home) / "no-credentials"),
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{dead_port}",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        **FAKE_CREDENTIALS,
    }


def template_functions() -> tuple[dict[str, FunctionSpec], dict[str, Any]]:
    """Every function as the devserver runs it, and the template it read.

    A devserver is started only to read the template as it does (its resources resolve the
    references in the functions' variables), without serving or loading any function, and
    stopped at once.
    """
    import devserver
    from devserver.template import load_template

    # no state kept, nothing served, no function loaded: the emulator and the template only
    server = devserver.start(
        state_dir=None, serve=False, only=(), parameter_overrides={"ConsumerDelivery": "Queues"}
    )
    try:
        assert server.application is not None
        return dict(server.application.functions), load_template()
    finally:
        server.stop()


def function_environment(spec: FunctionSpec, home: str, dead_port: int) -> dict[str, str]:
    """The devserver's environment of the function, the dead endpoint, no host settings."""
    base = base_environment(home, dead_port)
    environment = lambda_environment(
        spec,
        region=REGION,
        endpoint_url=base["AWS_ENDPOINT_URL"],
        credentials=FAKE_CREDENTIALS,
        host_environ=base,
    )
    environment.pop("AWS_SAM_LOCAL", None)  # sam local's own mark: Lambda does not set it
    return {**base, **environment}


def client_services(logical_id: str, template: dict[str, Any]) -> list[str]:
    """The AWS clients the function's first invocations create: its IAM policies' services."""
    resource = template["Resources"][logical_id]
    services: set[str] = set()
    for policy in (resource.get("Properties") or {}).get("Policies") or []:
        statements = policy.get("Statement", []) if isinstance(policy, dict) else []
        for statement in statements:
            actions = statement.get("Action", [])
            for action in [actions] if isinstance(actions, str) else actions:
                services.add(str(action).split(":", 1)[0])
    return sorted(services & set(CLIENT_SERVICES))


def targets(home: str, dead_port: int) -> tuple[list[Target], list[Path]]:
    """``import boto3`` alone, then each function; and every source folder of ours."""
    functions, template = template_functions()
    found = [Target("boto3 alone", "boto3", [], base_environment(home, dead_port))]
    folders: dict[Path, None] = {}
    for logical_id, spec in functions.items():
        paths = [spec.code_dir, *spec.layer_dirs]
        folders.update(dict.fromkeys(paths))
        found.append(
            Target(
                spec.code_dir.name,
                spec.handler.rsplit(".", 1)[0],
                [str(path) for path in paths],
                function_environment(spec, home, dead_port),
                client_services(logical_id, template),
            )
        )
    return found, list(folders)


# -- where the import time goes (-X importtime) ------------------------------------------------

_IMPORTTIME = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)")


def import_profile(stderr: str) -> tuple[dict[str, float], list[tuple[str, float]]]:
    """Self time by top-level package, and the module's own imports by cumulative time (s)."""
    by_package: dict[str, float] = defaultdict(float)
    direct: list[tuple[str, float]] = []
    started = False
    for line in stderr.splitlines():
        if line.strip() == MARKER:
            started = True
            continue
        if line.strip() == f"{MARKER} (end)":
            break
        match = _IMPORTTIME.match(line)
        if not started or not match:
            continue
        own, cumulative, indent, module = match.groups()
        package = module.split(".")[0]
        by_package[package if package != "app" else "app.py (its own body)"] += int(own) / 1e6
        if len(indent) == 2:  # imported by the module itself (app.py, or boto3)
            direct.append((module, int(cumulative) / 1e6))
    return dict(by_package), sorted(direct, key=lambda pair: -pair[1])


def compile_seconds(folders: list[Path]) -> tuple[float, int]:
    """Compiling our own sources (functions and layers) without a bytecode cache."""
    sources = sorted({path for folder in folders for path in folder.rglob("*.py")})
    started = time.perf_counter()
    for path in sources:
        compile(path.read_text(), str(path), "exec")
    return time.perf_counter() - started, len(sources)


# -- main ------------------------------------------------------------------------------------


def main() -> int:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as home:
        dead_port = free_port()
        measured, folders = targets(home, dead_port)
        print(
            f"Cold start: import of each function's app.py in a fresh `python -I` "
            f"({sys.version.split()[0]}), AWS_ENDPOINT_URL on dead port {dead_port}; "
            f"{ROUNDS} alternating rounds, medians\n"
        )
        for target in measured:  # warm the file cache and the bytecode caches first
            target.run()
        shuffler = random.Random(20260101)
        for _ in range(ROUNDS):
            order = list(measured)
            shuffler.shuffle(order)
            for target in order:
                result, _ = target.run()
                target.imports.append(result["import"])
                if "clients" in result:
                    target.clients.append(result["clients"])
                target.last = result
        profiles = {
            target.name: import_profile(target.run("-X", "importtime")[1]) for target in measured
        }

    baseline = statistics.median(measured[0].imports)
    header = (
        f"{'function':<30} {'import ms':>9} {'ratio':>6} {f'≤ {TARGET_RATIO:g}':>6} "
        f"{'modules':>7} {'boto3':>6} {'+ clients ms':>12}  {'clients':<32} network at import"
    )
    print(header)
    print("-" * len(header))
    for target in measured:
        median = statistics.median(target.imports)
        clients = f"{statistics.median(target.clients) * 1e3:.0f}" if target.clients else "-"
        network = "; ".join(target.last["network"]) or "none"
        ratio = median / baseline
        verdict = "-" if target is measured[0] else ("pass" if ratio <= TARGET_RATIO else "FAIL")
        print(
            f"{target.name:<30} {median * 1e3:>9.0f} {ratio:>6.2f} {verdict:>6} "
            f"{target.last['modules']:>7} {'yes' if target.last['boto3'] else 'no':>6} "
            f"{clients:>12}  {', '.join(target.services) or '-':<32} {network}"
        )
    functions = measured[1:]
    passed = sum(statistics.median(t.imports) / baseline <= TARGET_RATIO for t in functions)
    print(
        f"\ntarget: every function imports in at most {TARGET_RATIO:g} x `import boto3`: "
        f"{passed} of {len(functions)} pass"
        + ("" if passed == len(functions) else " (missed: see FAIL above)")
    )
    spread = ", ".join(
        f"{t.name} {min(t.imports) * 1e3:.0f}-{max(t.imports) * 1e3:.0f}" for t in measured
    )
    print(f"\nranges (ms): {spread}")
    print(
        "ratio = median import time / median `import boto3` time in a fresh process; "
        "'+ clients' = creating the boto3 clients of the function's policies afterwards "
        "(what its first invocation does: boto3 is imported lazily)"
    )

    print(
        "\nWhere the import time goes (-X importtime, one run each, which slows imports a "
        "little;\nself time summed by top-level package, then the heaviest modules the "
        "function's app.py imports itself):"
    )
    for target in measured:
        by_package, direct = profiles[target.name]
        total = sum(by_package.values())
        top = sorted(by_package.items(), key=lambda pair: -pair[1])[:TOP_PACKAGES]
        shares = ", ".join(
            f"{name} {seconds * 1e3:.0f} ({seconds / total:.0%})" for name, seconds in top
        )
        print(f"  {target.name:<28} {total * 1e3:>4.0f} ms: {shares}")
        heaviest = ", ".join(f"{name} {seconds * 1e3:.0f}" for name, seconds in direct[:5])
        print(f"  {'':<28} {target.module} imports (cumulative ms): {heaviest}")

    seconds, files = compile_seconds(folders)
    print(
        f"\nCompiling our own {files} source files (functions and layers) without a bytecode "
        f"cache: {seconds * 1e3:.0f} ms here (paid at each cold start if the deployed package "
        "has no .pyc for them: Lambda's file system is read-only, so Python cannot cache them)"
    )
    print(f"\n{time.perf_counter() - started:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
