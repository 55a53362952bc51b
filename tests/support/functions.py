"""Loading ``functions/<dir>/app.py`` as Lambda would: its own module, its environment.

Every function's module is ``app``; loaded side by side under that name they would replace
each other, so each is loaded as ``functions.<dir>.app``. The module runs its cold start
(settings, dependencies) while the function's environment variables are set.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ROOT / "functions"


@contextmanager
def environment(env: Mapping[str, str]) -> Iterator[None]:
    """``os.environ`` with ``env`` set (``None`` values unset), restored afterwards."""
    saved = {name: os.environ.get(name) for name in env}
    try:
        for name, value in env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = str(value)
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def load_function(
    directory: str,
    env: Mapping[str, str],
    *,
    monkeypatch: pytest.MonkeyPatch | None = None,
) -> ModuleType:
    """Import ``functions/<directory>/app.py`` afresh (a cold start) as ``functions.<dir>.app``.

    ``env`` is set while the module runs its cold start. With ``monkeypatch`` it stays set
    until the test ends (for code that reads the environment later), else it is restored at
    once. Call ``module.lambda_handler(event, a_lambda_context())``.
    """
    path = FUNCTIONS / directory / "app.py"
    if not path.is_file():
        raise FileNotFoundError(f"no function at {path}")
    name = f"functions.{directory}.app"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.pop(name, None)
    if monkeypatch is not None:
        for variable, value in env.items():
            monkeypatch.setenv(variable, str(value))
        spec.loader.exec_module(module)
    else:
        with environment(env):
            spec.loader.exec_module(module)
    sys.modules[name] = module
    return module


@dataclass(frozen=True)
class FakeLambdaContext:
    """What Powertools' ``inject_lambda_context`` reads from Lambda's context object."""

    function_name: str = "test-function"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:test-function"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def a_lambda_context(**overrides: Any) -> FakeLambdaContext:
    return FakeLambdaContext(**overrides)
