"""Chaos mode, and running the same functions against another endpoint (LocalStack, AWS)."""

from __future__ import annotations

import io

import boto3
import pytest
import requests

import devserver
from devserver.emulator import EmulatorProcess
from tests.integration.devserver.conftest import SAMPLE_TEMPLATE, Sample, SampleLog, a_key


def test_chaos_delivers_every_batch_twice_and_fails_invocations_before_and_after(tmp_path):
    console = io.StringIO()
    log = SampleLog(tmp_path / "log.jsonl")
    server = devserver.start(
        SAMPLE_TEMPLATE,
        state_dir=tmp_path / "state",
        api_port=0,
        poll_interval=0.02,
        console=console,
        parameter_overrides={"LogFile": str(log.path)},
        chaos=devserver.ChaosSettings(failure_rate=0.5, seed=3),
    )
    sample = Sample(server, log, [0.0])
    pk = a_key("chaos")
    try:
        for sk in range(6):
            sample.put(pk, sk, target="filtered", kind=f"keep-{sk}")
            server.wait_idle()
    finally:
        server.stop()

    deliveries = [key for batch in log.deliveries("FilteredConsumer", pk) for key in batch]
    for sk in range(6):
        assert deliveries.count(f"{pk}#{sk}") >= 2  # every record delivered at least twice
    assert len(deliveries) > 12  # failures after the handler ran made it run again
    output = console.getvalue()
    assert "not invoked (chaos)" in output
    assert "Devserver.ChaosAfterInvoke" in output


@pytest.fixture
def external_endpoint():
    """Another emulator standing in for LocalStack: no state, its own process."""
    emulator = EmulatorProcess(port=0)
    url = emulator.start()
    try:
        yield url
    finally:
        emulator.stop()


def test_the_functions_run_against_another_endpoint(external_endpoint, tmp_path):
    log = SampleLog(tmp_path / "log.jsonl")
    server = devserver.start(
        SAMPLE_TEMPLATE,
        state_dir=tmp_path / "state",
        api_port=0,
        poll_interval=0.05,
        endpoint_url=external_endpoint,
        create_resources=True,
        parameter_overrides={"LogFile": str(log.path)},
    )
    pk = a_key("endpoint")
    try:
        assert server.emulator is None
        assert server.runtime.sandboxes["Web"].environment["AWS_ENDPOINT_URL"] == external_endpoint
        response = requests.post(
            f"{server.api_url}/app/write", json={"pk": pk, "sk": 1, "target": "window"}, timeout=15
        )
        assert response.status_code == 201
        server.wait_idle()
    finally:
        server.stop()

    dynamodb = boto3.client("dynamodb", endpoint_url=external_endpoint, region_name="us-east-1")
    item = dynamodb.get_item(
        TableName=server.physical_name("EventsTable"), Key={"pk": {"S": pk}, "sk": {"N": "1"}}
    )
    assert item["Item"]["target"] == {"S": "window"}
    assert log.deliveries("WindowConsumer", pk) == [[f"{pk}#1"]]


def test_without_a_deployed_stack_the_devserver_says_how_to_go_on(external_endpoint, tmp_path):
    with pytest.raises(devserver.DevServerError, match="--create-resources"):
        devserver.start(
            SAMPLE_TEMPLATE,
            state_dir=tmp_path / "state",
            api_port=0,
            endpoint_url=external_endpoint,
        )
