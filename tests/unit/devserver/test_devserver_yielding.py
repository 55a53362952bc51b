"""A sleeping invocation lets others run, and gets its own world back when it wakes."""

from __future__ import annotations

import os
import sys
import threading
import time

import pytest

from devserver.runtime import Runtime

from .test_devserver_runtime import spec, write


@pytest.fixture
def runtime(tmp_path):
    write(
        tmp_path / "Waiter" / "app.py",
        """
        import os
        import sys
        import time

        import helper

        def lambda_handler(event, context):
            before = (dict(os.environ), list(sys.path), sys.stdout)
            print("waiting", end="")  # a partial line: finished after the sleeps
            open(event["started"], "w").close()
            deadline = time.monotonic() + event["bound"]
            while not os.path.exists(event["flag"]) and time.monotonic() < deadline:
                time.sleep(0.005)
            print(" done")
            return {
                "found": os.path.exists(event["flag"]),
                "same_environment": dict(os.environ) == before[0],
                "same_path": list(sys.path) == before[1],
                "same_stdout": sys.stdout is before[2],
                "own_module": sys.modules["app"] is sys.modules[__name__],
                "own_helper": sys.modules["helper"] is helper and helper.WHO == "Waiter",
            }
        """,
    )
    write(
        tmp_path / "Flagger" / "app.py",
        """
        import os

        import helper

        def lambda_handler(event, context):
            print("flagging")
            open(event["flag"], "w").close()
            return {"helper": helper.WHO, "function": os.environ["FUNCTION_ONLY"]}
        """,
    )
    for name in ("Waiter", "Flagger"):
        write(tmp_path / name / "helper.py", f'WHO = "{name}"\n')
    write(
        tmp_path / "Serial" / "app.py",
        """
        import time

        RUNNING = {"now": 0, "most": 0}

        def lambda_handler(event, context):
            RUNNING["now"] += 1
            RUNNING["most"] = max(RUNNING["most"], RUNNING["now"])
            for _ in range(10):
                time.sleep(0.01)
            RUNNING["now"] -= 1
            return RUNNING["most"]
        """,
    )
    write(
        tmp_path / "Sleepy" / "app.py",
        """
        import time

        def lambda_handler(event, context):
            time.sleep(30)
        """,
    )
    for name in ("LazyA", "LazyB"):
        # a module of the same name in each function, sleeping while it is imported
        write(tmp_path / name / "slow_start.py", "import time\ntime.sleep(0.2)\n")
        write(
            tmp_path / name / "app.py",
            """
            def lambda_handler(event, context):
                import slow_start
                return slow_start.__file__
            """,
        )
    specs = {
        name: spec(tmp_path, name, timeout=0.3 if name == "Sleepy" else 5)
        for name in ("Waiter", "Flagger", "Serial", "Sleepy", "LazyA", "LazyB")
    }
    environments = {name: {"FUNCTION_ONLY": name} for name in specs}
    lines: list[tuple[str, str]] = []
    runtime = Runtime(specs, environments, on_line=lambda f, line: lines.append((f, line)))
    runtime.lines = lines
    yield runtime
    runtime.close()


def in_background(runtime, function, event):
    """Invoke on a thread; a callable that joins it (failing on a deadlock) and gives the result."""
    box = {}
    thread = threading.Thread(
        target=lambda: box.update(result=runtime.invoke(function, event)), daemon=True
    )
    thread.start()

    def result(timeout: float = 5.0):
        thread.join(timeout)
        assert not thread.is_alive(), f"{function} is stuck"
        return box["result"]

    return result


def test_while_one_function_sleeps_another_runs_and_the_sleeper_gets_its_world_back(
    runtime, tmp_path
):
    flag, started = tmp_path / "flag", tmp_path / "started"
    host = (dict(os.environ), list(sys.path), sys.stdout)
    waiter = in_background(
        runtime, "Waiter", {"flag": str(flag), "started": str(started), "bound": 3}
    )
    while not started.exists():
        time.sleep(0.001)

    flagger = runtime.invoke("Flagger", {"flag": str(flag)})
    waited = waiter()

    assert flagger.value == {"helper": "Flagger", "function": "Flagger"}
    assert flagger.logs == ["flagging"]
    assert waited.error is None
    assert waited.value == {
        "found": True,
        "same_environment": True,
        "same_path": True,
        "same_stdout": True,
        "own_module": True,
        "own_helper": True,
    }
    assert waited.duration_ms < 1000  # it did not wait for its bound: the flag came
    assert waited.logs == ["waiting done"]
    assert ("Flagger", "flagging") in runtime.lines
    assert (dict(os.environ), list(sys.path), sys.stdout) == host
    assert "helper" not in sys.modules


def test_a_function_runs_one_invocation_at_a_time_even_while_it_sleeps(runtime, tmp_path):
    first = in_background(runtime, "Serial", {})
    second = in_background(runtime, "Serial", {})
    # meanwhile another function runs as soon as one of them sleeps
    assert runtime.invoke("Flagger", {"flag": str(tmp_path / "flag")}).error is None

    results = [first(), second()]

    assert [r.value for r in results] == [1, 1]  # never two in the sandbox at once
    assert sum(r.duration_ms for r in results) >= 200


def test_a_sleep_past_the_timeout_ends_at_the_timeout(runtime):
    started = time.monotonic()

    result = runtime.invoke("Sleepy", {})

    assert result.error is not None
    assert result.error.type == "Sandbox.Timedout"
    assert time.monotonic() - started < 1  # not the 30 s it asked for
    assert runtime.sandboxes["Sleepy"].cold


def test_a_sleep_while_importing_keeps_the_world(runtime):
    # yielding there would deadlock: the second function would wait for the import lock
    # of "slow_start" while holding the world the first needs back
    a = in_background(runtime, "LazyA", {})
    b = in_background(runtime, "LazyB", {})

    assert a().value.endswith("LazyA/slow_start.py")
    assert b().value.endswith("LazyB/slow_start.py")
