"""``tools/sam_local_env.py``'s env-vars file runs the functions against the running devserver.

``sam local invoke -e EVENT --env-vars FILE`` needs Docker, which this machine lacks; what
it would give a function is the file's variables over the template's (sam local keeps only
variables the template declares). So each function here gets exactly that — only the
template's variable names, with the file's values — plus Lambda's own variables and the
emulator's placeholder credentials, in a fresh interpreter with the function's folder and its
layers on the path, and is invoked with a sample event from ``events/``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from devserver.template import load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template()

INVOKE = r"""
import json, os, sys, uuid
class Context:  # what Lambda's runtime hands the handler
    function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
    aws_request_id = str(uuid.uuid4())
    log_group_name = log_stream_name = "sam-local"
    def get_remaining_time_in_millis(self):
        return 10_000
event = json.load(open(sys.argv[1]))
import app
print(json.dumps(app.lambda_handler(event, Context()), default=str))
"""


@pytest.fixture(scope="module")
def env_vars(site, tmp_path_factory):
    out = tmp_path_factory.mktemp("sam-local") / "env.json"
    run = subprocess.run(
        [
            sys.executable,
            "tools/sam_local_env.py",
            "--devserver",
            str(site.state_dir),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(out.read_text())


def declared_variables(logical_id: str) -> set[str]:
    own = TEMPLATE["Resources"][logical_id]["Properties"].get("Environment") or {}
    return set(TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]) | set(
        own.get("Variables") or {}
    )


def invoke_like_sam_local(logical_id: str, variables: dict[str, str], event: Path) -> dict:
    properties = TEMPLATE["Resources"][logical_id]["Properties"]
    code = ROOT / properties["CodeUri"]
    layers = [
        ROOT / TEMPLATE["Resources"][layer["Ref"]]["Properties"]["ContentUri"]
        for layer in properties["Layers"]
    ]
    environment = {
        # sam local: only the template's variables, the file's values
        **{
            name: value
            for name, value in variables.items()
            if name in declared_variables(logical_id)
        },
        "PATH": os.environ["PATH"],
        "PYTHONPATH": os.pathsep.join(str(p) for p in [code, *layers]),
        "AWS_SAM_LOCAL": "true",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_LAMBDA_FUNCTION_NAME": logical_id,
        "LAMBDA_TASK_ROOT": str(code),
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    }
    run = subprocess.run(
        [sys.executable, "-c", INVOKE, str(event)],
        capture_output=True,
        text=True,
        check=False,
        env=environment,
        cwd=code,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_the_file_names_the_running_systems_resources_and_endpoint(site, env_vars):
    assert env_vars["Parameters"] == {"SDK_ENDPOINT_URL": site.endpoint_url}
    home = env_vars["HomeFunction"]
    assert home["MESSAGE_STORE_TABLE"] == site.physical_name("MessageStoreTable")
    assert home["HOME_PAGE_VIEW_TABLE"] == site.physical_name("HomePageViewTable")
    assert home["SDK_ENDPOINT_URL"] == site.endpoint_url
    for logical_id, variables in env_vars.items():
        if logical_id != "Parameters":
            assert set(variables) <= declared_variables(logical_id), logical_id


@pytest.mark.slow
def test_the_home_page_runs_from_the_file_against_the_devserver(site, env_vars):
    # without AWS_ENDPOINT_URL: the file's SDK_ENDPOINT_URL alone points it at the emulator
    response = invoke_like_sam_local(
        "HomeFunction", env_vars["HomeFunction"], ROOT / "events" / "home" / "home-page.json"
    )
    assert response["statusCode"] == 200
    assert "Viewers have watched" in response["body"]


@pytest.mark.slow
def test_a_consumer_runs_from_the_file_against_the_devserver(site, env_vars):
    response = invoke_like_sam_local(
        "HomePageAggregatorFunction",
        env_vars["HomePageAggregatorFunction"],
        ROOT / "events" / "home_page_aggregator" / "viewings-and-publishing.json",
    )
    assert response == {"batchItemFailures": []}
