"""What a devserver is asked to do: ``Options`` (every command-line flag has a field here).

The defaults are those of ``make run``; ``devserver.start()`` takes the same fields as
keywords. ``read_env_vars`` reads a ``sam local --env-vars`` file; ``default_stack_name``
finds the stack name of ``samconfig.toml``.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from .chaos import ChaosSettings
from .errors import DevServerError
from .outbox import DEFAULT_STATE_DIR
from .template import TEMPLATE_PATH


@dataclass
class Options:
    """Everything that can be set on the command line, with the defaults of ``make run``."""

    template: Path = TEMPLATE_PATH
    state_dir: Path | None = DEFAULT_STATE_DIR
    reset: bool = False
    host: str = "127.0.0.1"
    api_port: int = 3000
    #: the Lambda API (Invoke, event source mappings) for boto3's lambda client; 0: any port
    lambda_port: int = 3001
    emulator_port: int = 0
    endpoint_url: str | None = None
    create_resources: bool = False
    stack_name: str | None = None
    region: str = "us-east-1"
    parameter_overrides: Mapping[str, str] = field(default_factory=dict)
    env_vars: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: seconds between two polls of an idle source (Lambda polls 4 times a second)
    poll_interval: float = 0.25
    #: wake a mapping's poller as soon as what it reads was written (off: AWS's cadence)
    wake_on_writes: bool = True
    snapshot_interval: float = 5.0
    verbose: bool = False
    chaos: ChaosSettings | None = None
    console: TextIO | None = field(default_factory=lambda: sys.stdout)
    strict: bool = False
    serve: bool = True
    only: tuple[str, ...] | None = None
    #: functions invoked once with an empty event when everything is up (seed data …)
    invoke_at_start: tuple[str, ...] = ()
    #: shell commands run once everything is up, in order, in the template's folder, with
    #: an environment pointing at the devserver (see ``devserver.at_start``)
    run_at_start: tuple[str, ...] = ()
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
