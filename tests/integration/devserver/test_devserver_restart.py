"""A restart keeps the data and the checkpoints; --reset starts empty; starting positions."""

from __future__ import annotations

import io

import pytest
import requests

import devserver
from tests.integration.devserver.conftest import SAMPLE_TEMPLATE, Sample, SampleLog, a_key


@pytest.fixture
def state(tmp_path):
    return tmp_path / "state"


def start(state, log_path, *, positions=True, reset=False, console=None):
    server = devserver.start(
        SAMPLE_TEMPLATE,
        state_dir=state,
        api_port=0,
        poll_interval=0.05,
        reset=reset,
        console=console,
        parameter_overrides={
            "LogFile": str(log_path),
            "PositionConsumers": "true" if positions else "false",
        },
    )
    return Sample(server, SampleLog(log_path), [0.0])


def keys(pk, *sks):
    return [f"{pk}#{sk}" for sk in sks]


def delivered(sample, consumer, pk):
    """Every key a consumer got, in order, batches flattened."""
    return [key for batch in sample.log.deliveries(consumer, pk) for key in batch]


def test_a_restart_keeps_the_data_and_each_consumer_resumes_at_its_checkpoint(state, tmp_path):
    log_path = tmp_path / "log.jsonl"
    pk = a_key("restart")
    first = start(state, log_path)
    try:
        first.put(pk, 0, target="position")
        first.put(pk, 1, target="position")
        first.server.wait_idle()
    finally:
        first.server.stop()
    delivered_before = len(first.log.entries())

    second = start(state, log_path)
    try:
        second.server.wait_idle()
        item = second.dynamodb.get_item(
            TableName=second.table, Key={"pk": {"S": pk}, "sk": {"N": "1"}}
        )
        assert item["Item"]["target"] == {"S": "position"}  # the data survived
        assert len(second.log.entries()) == delivered_before  # nothing delivered again

        second.put(pk, 2, target="position")
        second.server.wait_idle()
    finally:
        second.server.stop()

    for consumer in ("TrimConsumer", "LatestConsumer"):
        assert delivered(second, consumer, pk) == keys(pk, 0, 1, 2), consumer


def test_latest_skips_records_written_before_the_mapping_existed_trim_horizon_does_not(
    state, tmp_path
):
    log_path = tmp_path / "log.jsonl"
    pk = a_key("position")
    before = start(state, log_path, positions=False)  # the two mappings disabled
    try:
        before.put(pk, 0, target="position")
        before.put(pk, 1, target="position")
        before.server.wait_idle()
    finally:
        before.server.stop()

    after = start(state, log_path, positions=True)
    try:
        after.server.wait_idle()
        after.put(pk, 2, target="position")
        after.server.wait_idle()
    finally:
        after.server.stop()

    assert delivered(after, "TrimConsumer", pk) == keys(pk, 0, 1, 2)
    assert delivered(after, "LatestConsumer", pk) == keys(pk, 2)


def test_a_restart_resumes_a_failing_consumer_at_its_failed_record(state, tmp_path):
    log_path = tmp_path / "log.jsonl"
    fixed = tmp_path / "fixed"
    pk = a_key("resume")
    first = start(state, log_path)
    try:
        first.put(pk, 0, target="position")
        first.put(pk, 1, target="position", action=f"fail-until:{fixed}")
        first.put(pk, 2, target="position")
        failing = f"{pk}#1"
        first.wait_for(
            lambda: sum(failing in b for b in first.log.deliveries("TrimConsumer", pk)) >= 2
        )
    finally:
        first.server.stop()  # the consumer is still retrying record 1
    fixed.touch()

    second = start(state, log_path)
    try:
        second.server.wait_idle()
    finally:
        second.server.stop()

    deliveries = second.log.deliveries("TrimConsumer", pk)
    first_key, failing_key, last_key = keys(pk, 0, 1, 2)
    assert delivered(second, "TrimConsumer", pk).count(first_key) == 1
    retries = [batch for batch in deliveries if first_key not in batch]
    assert all(batch[0] == failing_key for batch in retries)  # never before the failed record
    assert len([b for b in deliveries if failing_key in b]) >= 3  # before and after the stop
    assert deliveries[-1][-1] == last_key


def test_reset_starts_with_empty_data_outbox_and_checkpoints(state, tmp_path):
    log_path = tmp_path / "log.jsonl"
    pk = a_key("reset")
    first = start(state, log_path)
    try:
        first.put(pk, 0, target="position")
        requests.get(f"{first.server.api_url}/app/mail?to=ada@example.com", timeout=15)
        first.server.wait_idle()
    finally:
        first.server.stop()

    second = start(state, log_path, reset=True)
    try:
        second.server.wait_idle()
        assert second.dynamodb.scan(TableName=second.table)["Count"] == 0
        assert second.server.sent_mail() == []
    finally:
        second.server.stop()
    assert second.log.deliveries("TrimConsumer", pk) == [keys(pk, 0)]  # not replayed


def test_the_console_shows_where_things_are_and_a_line_per_request_batch_and_mail(state, tmp_path):
    console = io.StringIO()
    sample = start(state, tmp_path / "log.jsonl", console=console)
    why = a_key("why")
    try:
        requests.get(f"{sample.server.api_url}/items/1", timeout=15)
        requests.get(f"{sample.server.api_url}/app/mail?to=ada@example.com", timeout=15)
        sample.put(a_key("console"), 0, target="window")
        sample.put(why, 0, target="partial", action="fail-times:1")
        sample.server.wait_idle()
    finally:
        sample.server.stop()

    lines = console.getvalue().splitlines()
    assert any(sample.server.api_url in line and "api" in line for line in lines)
    assert any("emulator" in line and "http://127.0.0.1:" in line for line in lines)
    assert any("EventsTable" in line and "stream" in line for line in lines)
    assert any(
        "GET" in line and "/items/1" in line and "200" in line and "Web" in line for line in lines
    )
    assert any(
        "batch" in line and "WindowConsumer" in line and "1 records" in line for line in lines
    )
    assert any("mail" in line and "ada@example.com" in line for line in lines)
    assert any(
        "reads" in line and "WindowConsumer reads the records its filter lets through" in line
        for line in lines
    )
    assert lines[-1] == "devserver stopped"
    # which record failed, and why, without --verbose: the batch line names the record
    # (its keys and sequence number), the function's own ERROR line says why
    [batch] = [line for line in lines if "batch" in line and "partial failure" in line]
    assert f"failed: pk={why}/sk=0 #" in batch
    assert any(
        "PartialConsumer: ERROR cannot apply" in line and f"key={why}#0" in line for line in lines
    )
