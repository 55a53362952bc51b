"""The command line: ``python -m devserver`` stops cleanly; ``… invoke`` runs one function."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

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


def start_sample_devserver(state, *arguments: str):
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
            *arguments,
        ),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_the_devserver_its_emulator_and_a_command_it_runs(tmp_path, stop_signal):
    state = tmp_path / "state"
    command = 'echo "at start: $DEVSERVER_API_URL"; exec sleep 60'
    process = start_sample_devserver(state, "--run-at-start", command)
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if "run | at start: http://127.0.0.1:" in line:
                break
        else:
            pytest.fail("the devserver did not start its command:\n" + "".join(lines))
        emulator_pid = json.loads((state / "devserver.json").read_text())["emulator_pid"]
        assert alive(emulator_pid)

        process.send_signal(stop_signal)
        output, _ = process.communicate(timeout=30)  # the command's 60 s sleep was ended
    finally:
        if process.poll() is None:
            process.kill()

    assert process.returncode == 0, output
    assert "stopped with the devserver" in output
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


def test_commands_run_against_the_devserver_and_a_failing_one_leaves_it_running(sample, tmp_path):
    server = sample.server
    seed = tmp_path / "seed.py"
    seed.write_text(SEED)
    key = {"pk": {"S": "seeded"}, "sk": {"N": "0"}}

    statuses = server.run_commands([f"{sys.executable} {seed}", "echo broken >&2; exit 3"]).wait(
        timeout=30
    )

    text = server.console_output.getvalue()
    seeded = sample.dynamodb.get_item(TableName=sample.table, Key=key).get("Item")
    assert statuses == [0, 3]
    assert seeded is not None
    assert f"run | seeded {sample.table} from sample" in text  # in the template's folder
    assert f"run | api {server.api_url} lambda {server.lambda_url}" in text
    assert "run | broken" in text  # stderr too
    assert "failed (exit status 3)" in text
    assert server.invoke("Other", {})["flavour"] == "other"  # still running


def test_a_command_still_running_is_ended_when_asked(sample):
    running = sample.server.run_commands(["exec sleep 60", "echo never"])
    sample.wait_for(lambda: "$ exec sleep 60" in sample.server.console_output.getvalue())

    started = time.monotonic()
    running.stop()

    assert running.statuses == [-signal.SIGTERM]  # and the next one never ran
    assert time.monotonic() - started < 5
