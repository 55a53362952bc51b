"""The command line: ``python -m devserver`` stops cleanly; ``… invoke`` runs one function."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

import devserver
from tests.integration.devserver.conftest import SAMPLE_TEMPLATE, a_key

ROOT = Path(__file__).resolve().parents[3]


def devserver_command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "devserver", *arguments]


def run(*arguments: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        devserver_command(*arguments),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_invoke_prints_the_handlers_result(tmp_path):
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"anything": 1}))
    env_vars = tmp_path / "env.json"
    env_vars.write_text(
        json.dumps({"Parameters": {"STAGE": "from-file"}, "Other": {"FLAVOUR": "x"}})
    )

    result = run(
        "invoke", "Other", "--event", str(event),
        "--template", str(SAMPLE_TEMPLATE), "--state-dir", str(tmp_path / "state"),
        "--parameter-overrides", "Stage=qa", "--env-vars", str(env_vars),
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["functionName"] == "Other"
    assert output["flavour"] == "x"  # the function's own entry of the env-vars file
    assert output["environ"]["STAGE"] == "from-file"  # its Parameters entry, for every function
    assert output["environ"]["IS_LOCAL"] == "no"  # Stage=qa: the condition is false


def test_invoke_prints_lambdas_error_document_and_fails(tmp_path):
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(
            {
                "resource": "/app/{proxy+}",
                "pathParameters": {"proxy": "raise"},
                "path": "/app/raise",
            }
        )
    )

    result = run(
        "invoke", "Web", "--event", str(event),
        "--template", str(SAMPLE_TEMPLATE), "--state-dir", str(tmp_path / "state"),
    )  # fmt: skip

    assert result.returncode == 1
    error = json.loads(result.stdout)
    assert (error["errorType"], error["errorMessage"]) == ("ValueError", "the handler failed")
    assert error["stackTrace"]


def test_invoke_uses_the_emulator_of_a_devserver_running_on_the_same_state(sample, tmp_path):
    pk = a_key("cli")
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(
            {
                "resource": "/app/{proxy+}",
                "path": "/app/write",
                "pathParameters": {"proxy": "write"},
                "body": json.dumps({"pk": pk, "sk": 1}),
            }
        )
    )

    result = run(
        "invoke", "Web", "--event", str(event),
        "--template", str(SAMPLE_TEMPLATE), "--state-dir", str(sample.server.state_dir),
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["statusCode"] == 201
    item = sample.dynamodb.get_item(TableName=sample.table, Key={"pk": {"S": pk}, "sk": {"N": "1"}})
    assert "Item" in item


def start_sample_devserver(state):
    """``python -m devserver`` on the sample template, free ports, its output piped."""
    return subprocess.Popen(
        devserver_command(
            "--template",
            str(SAMPLE_TEMPLATE),
            "--state-dir",
            str(state),
            "--port",
            "0",
            "--lambda-port",
            "0",
            "--emulator-port",
            "0",
        ),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_the_devserver_and_its_emulator(tmp_path, stop_signal):
    state = tmp_path / "state"
    process = start_sample_devserver(state)
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if "Ctrl-C stops everything" in line:
                break
        else:
            pytest.fail("the devserver did not start:\n" + "".join(lines))
        emulator_pid = json.loads((state / "devserver.json").read_text())["emulator_pid"]
        assert alive(emulator_pid)

        process.send_signal(stop_signal)
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()

    assert process.returncode == 0, output
    assert "devserver stopped" in output
    deadline = time.monotonic() + 10
    while alive(emulator_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(emulator_pid)
    assert (state / "emulator.pickle").exists()  # it snapshotted before it went


def test_a_killed_devserver_leaves_no_emulator_behind_and_its_data_saved(tmp_path):
    state = tmp_path / "state"
    process = start_sample_devserver(state)
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if "Ctrl-C stops everything" in line:
                break
        emulator_pid = json.loads((state / "devserver.json").read_text())["emulator_pid"]
        process.kill()  # no chance to stop anything itself
        process.wait(30)
    finally:
        if process.poll() is None:
            process.kill()

    deadline = time.monotonic() + 15
    while alive(emulator_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(emulator_pid)  # its stdin closed with its parent: it stopped
    assert (state / "emulator.pickle").exists()


SEED = """
import json, os, pathlib
import boto3

state = pathlib.Path(os.environ["DEVSERVER_STATE_DIR"])
runtime = json.loads((state / "devserver.json").read_text())
table = runtime["resources"]["EventsTable"]
item = {"pk": {"S": "seeded"}, "sk": {"N": "0"}, "target": {"S": "none"}}
boto3.client("dynamodb").put_item(TableName=table, Item=item)
print("seeded", table, "from", pathlib.Path.cwd().name)
print("api", os.environ["DEVSERVER_API_URL"], "lambda", os.environ["DEVSERVER_LAMBDA_URL"])
"""


def test_commands_run_at_start_use_the_devserver_and_a_failing_one_leaves_it_running(tmp_path):
    seed = tmp_path / "seed.py"
    seed.write_text(SEED)
    console = io.StringIO()
    server = devserver.start(
        SAMPLE_TEMPLATE,
        state_dir=tmp_path / "state",
        api_port=0,
        console=console,
        only=("Other",),
        run_at_start=(
            f"{sys.executable} {seed}",
            "echo broken >&2; exit 3",
            "echo long-running; exec sleep 60",
        ),
    )
    try:
        deadline = time.monotonic() + 30
        while "run | long-running" not in console.getvalue() and time.monotonic() < deadline:
            time.sleep(0.02)
        key = {"pk": {"S": "seeded"}, "sk": {"N": "0"}}
        table = server.physical_name("EventsTable")
        seeded = server.client("dynamodb").get_item(TableName=table, Key=key).get("Item")
        invoke_url = f"{server.lambda_url}/2015-03-31/functions/Other/invocations"
        still_serving = requests.post(invoke_url, data=b"{}", timeout=15).json()["flavour"]
    finally:
        stopping = time.monotonic()
        server.stop()
        stopped_in = time.monotonic() - stopping

    text = console.getvalue()
    assert seeded is not None
    assert f"run | seeded {table} from sample" in text  # in the template's folder
    assert f"run | api {server.api_url} lambda {server.lambda_url}" in text
    assert "run | broken" in text  # stderr too
    assert "failed (exit status 3)" in text
    assert still_serving == "other"
    assert server.start_commands.statuses == [0, 3, -signal.SIGTERM]  # stopped with the server
    assert "stopped with the devserver" in text
    assert stopped_in < 5
