"""Functions in one process, each in its own sandbox: modules, environment, output, time."""

from __future__ import annotations

import logging
import os
import sys
import textwrap
from pathlib import Path

import pytest

from devserver.runtime import Runtime
from devserver.template.functions import FunctionSpec

LAYER_MODULE = """
STATE = {"calls": 0}

def call():
    STATE["calls"] += 1
    return STATE["calls"]
"""


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))


def spec(root: Path, name: str, *, layers=(), timeout=3, handler="app.lambda_handler"):
    return FunctionSpec(
        logical_id=name,
        name=name,
        arn=f"arn:aws:lambda:us-east-1:123456789012:function:{name}",
        handler=handler,
        code_dir=root / name,
        layer_dirs=tuple(root / layer for layer in layers),
        runtime="python3.13",
        timeout=timeout,
        memory=256,
        environment={},
    )


@pytest.fixture
def functions(tmp_path):
    write(tmp_path / "lib" / "shared_state.py", LAYER_MODULE)
    for name in ("One", "Two"):
        write(
            tmp_path / name / "app.py",
            f"""
            import os
            import shared_state
            import helper

            NAME = "{name}"
            LOADS = helper.loads()

            def lambda_handler(event, context):
                print(f"{{NAME}} got {{event}}")
                return {{
                    "name": NAME,
                    "calls": shared_state.call(),
                    "loads": LOADS,
                    "helper": helper.WHO,
                    "env": dict(os.environ),
                    "context": [context.function_name, context.memory_limit_in_mb,
                                context.aws_request_id, context.invoked_function_arn,
                                context.get_remaining_time_in_millis()],
                }}
            """,
        )
        write(
            tmp_path / name / "helper.py",
            f"""
            WHO = "{name}"
            COUNT = {{"n": 0}}

            def loads():
                COUNT["n"] += 1
                return COUNT["n"]
            """,
        )
    write(
        tmp_path / "Failing" / "app.py",
        """
        import datetime
        import time

        def lambda_handler(event, context):
            kind = event["kind"]
            if kind == "raise":
                raise KeyError("missing")
            if kind == "exit":
                raise SystemExit(3)
            if kind == "sleep":
                while True:
                    time.sleep(0.01)
            if kind == "datetime":
                return {"at": datetime.datetime.now()}
            if kind == "nap":
                time.sleep(0.2)
                return "rested"
            if kind == "spin":
                started = time.thread_time()
                while time.thread_time() - started < 0.05:
                    pass
                return "spun"
            if kind == "import-a-layer-it-does-not-have":
                import shared_state
            return "fine"
        """,
    )
    for name in ("LogA", "LogB"):
        write(
            tmp_path / name / "app.py",
            f"""
            import logging
            import sys

            logger = logging.getLogger("shared-service")  # one logger for both functions
            if not logger.handlers:
                logger.addHandler(logging.StreamHandler(sys.stdout))  # stdout at import time
                logger.setLevel(logging.INFO)

            def lambda_handler(event, context):
                logger.info("{name} logging")
            """,
        )
    write(tmp_path / "Broken" / "app.py", "import no_such_module\n")
    write(tmp_path / "NoHandler" / "app.py", "x = 1\n")
    specs = {
        "One": spec(tmp_path, "One", layers=("lib",)),
        "Two": spec(tmp_path, "Two", layers=("lib",)),
        "Failing": spec(tmp_path, "Failing", timeout=1),
        "Broken": spec(tmp_path, "Broken"),
        "LogA": spec(tmp_path, "LogA"),
        "LogB": spec(tmp_path, "LogB"),
        "NoHandler": spec(tmp_path, "NoHandler"),
    }
    environments = {
        name: {"FUNCTION_ONLY": name, "PATH": os.environ.get("PATH", "")} for name in specs
    }
    lines = []
    runtime = Runtime(specs, environments, on_line=lambda f, line: lines.append((f, line)))
    runtime.lines = lines
    return runtime


def test_each_function_has_its_own_modules_and_layer_state(functions):
    one = functions.invoke("One", {}).value
    one_again = functions.invoke("One", {}).value
    two = functions.invoke("Two", {}).value

    assert (one["name"], one["helper"], two["name"], two["helper"]) == ("One", "One", "Two", "Two")
    assert (one["calls"], one_again["calls"], two["calls"]) == (1, 2, 1)
    assert one_again["loads"] == 1  # warm: the module was not loaded again
    for name in ("app", "helper", "shared_state"):
        assert name not in sys.modules
    assert functions.module("One") is not functions.module("Two")


def test_each_function_sees_its_own_environment_only_while_it_runs(functions, monkeypatch):
    monkeypatch.setenv("HOST_ONLY", "1")
    before = dict(os.environ)

    environment = functions.invoke("Two", {}).value["env"]

    assert environment["FUNCTION_ONLY"] == "Two"
    assert "HOST_ONLY" not in environment
    assert "_X_AMZN_TRACE_ID" in environment
    assert dict(os.environ) == before


def test_the_context_is_lambdas(functions):
    result = functions.invoke("One", {})
    name, memory, request_id, arn, remaining = result.value["context"]
    assert (name, memory, request_id) == ("One", "256", result.request_id)
    assert arn.endswith(":function:One")
    assert 0 < remaining <= 3000


def test_printed_lines_go_to_the_invocation_log_and_the_sink(functions):
    result = functions.invoke("One", {"x": 1})
    assert result.logs == ["One got {'x': 1}"]
    assert ("One", "One got {'x': 1}") in functions.lines


def test_a_logger_shared_by_name_writes_to_the_function_that_logs(functions):
    functions.load_all()
    try:
        assert functions.invoke("LogA", {}).logs == ["LogA logging"]
        assert functions.invoke("LogB", {}).logs == ["LogB logging"]
        assert functions.invoke("LogA", {}).logs == ["LogA logging"]
    finally:
        logging.getLogger("shared-service").handlers.clear()


def test_a_logger_made_by_another_runtimes_function_writes_to_the_function_that_logs(functions):
    # two devservers in one process (the end-to-end tests run one per topology): the
    # logger LogA's module made under the first runtime is the one LogB gets under the second
    second = Runtime(
        {name: functions.functions[name] for name in ("LogA", "LogB")},
        {name: functions.sandboxes[name].environment for name in ("LogA", "LogB")},
        on_line=lambda _function, _line: None,
    )
    functions.load_all()
    second.load_all()
    try:
        assert second.invoke("LogB", {}).logs == ["LogB logging"]
        assert functions.invoke("LogA", {}).logs == ["LogA logging"]
    finally:
        logging.getLogger("shared-service").handlers.clear()


@pytest.mark.parametrize(
    ("kind", "error_type"),
    [
        ("raise", "KeyError"),
        ("exit", "SystemExit"),
        ("datetime", "Runtime.MarshalError"),
    ],
)
def test_a_failing_handler_fails_its_invocation_only(functions, kind, error_type):
    result = functions.invoke("Failing", {"kind": kind})
    assert result.error is not None
    assert result.error.type == error_type
    assert functions.invoke("Failing", {"kind": "ok"}).value == "fine"


def test_a_handler_past_its_timeout_is_stopped_and_starts_cold_next_time(functions):
    first = functions.invoke("One", {})
    result = functions.invoke("Failing", {"kind": "sleep"})
    assert result.error is not None
    assert result.error.type == "Sandbox.Timedout"
    assert result.error.message == "Task timed out after 1.00 seconds"
    assert functions.sandboxes["Failing"].cold
    assert functions.invoke("Failing", {"kind": "ok"}).value == "fine"
    assert functions.invoke("One", {}).value["calls"] == first.value["calls"] + 1  # untouched


def test_an_init_error_is_reported_at_load_and_at_each_invocation(functions):
    errors = functions.load_all()
    assert errors["Broken"].type == "Runtime.ImportModuleError"
    assert errors["NoHandler"].type == "Runtime.HandlerNotFound"
    assert functions.invoke("Broken", {}).error.type == "Runtime.ImportModuleError"
    assert functions.invoke("One", {}).error is None


def test_a_function_cannot_import_from_another_functions_layer(functions, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path / "lib"))  # as pytest's pythonpath puts layers

    result = functions.invoke("Failing", {"kind": "import-a-layer-it-does-not-have"})

    assert result.error is not None
    assert result.error.type == "ModuleNotFoundError"


def test_a_module_the_host_imported_from_a_layer_is_not_shared_with_a_function(
    functions, tmp_path, monkeypatch
):
    monkeypatch.syspath_prepend(str(tmp_path / "lib"))
    import shared_state

    shared_state.STATE["calls"] = 100
    try:
        calls = functions.invoke("One", {}).value["calls"]
        assert calls == 1  # the function's own copy
        assert sys.modules["shared_state"] is shared_state  # the host's is back
        assert shared_state.STATE["calls"] == 100
    finally:
        del sys.modules["shared_state"]


def test_a_cold_starts_import_is_not_part_of_the_invocations_timeout(tmp_path):
    # Lambda's INIT phase has its own limit: a handler gets its whole timeout after a slow
    # import (here, an import slower than the timeout itself)
    write(
        tmp_path / "SlowInit" / "app.py",
        """
        import time

        time.sleep(1.2)  # a slow import (a sleep during an import is the plain one)

        def lambda_handler(event, context):
            return context.get_remaining_time_in_millis()
        """,
    )
    runtime = Runtime(
        {"SlowInit": spec(tmp_path, "SlowInit", timeout=1)},
        {"SlowInit": {"PATH": os.environ.get("PATH", "")}},
    )

    result = runtime.invoke("SlowInit", {})

    assert result.error is None
    assert result.value > 800  # of its 1,000 ms: none spent on the import


def test_an_invocation_records_its_threads_cpu_time_and_its_time_handed_over(functions):
    """What the capacity model takes for compute: the thread's CPU time, apart from the time
    the invocation slept with the world handed over (others may run meanwhile)."""
    napped = functions.invoke("Failing", {"kind": "nap"})
    spun = functions.invoke("Failing", {"kind": "spin"})

    assert (napped.value, spun.value) == ("rested", "spun")
    assert napped.away_ms >= 200
    assert napped.duration_ms >= napped.away_ms
    assert napped.cpu_ms < napped.away_ms / 2
    assert spun.cpu_ms >= 50
    assert spun.away_ms == 0
    assert spun.duration_ms >= spun.cpu_ms
