"""Stream records that expire (``DevServer.expire_stream_records``), as DynamoDB Streams' do
after 24 hours: a mapping that was behind never gets them, one first enabled later starts
after them, and a restart does not bring them back. The table keeps its items."""

from __future__ import annotations

import pytest

from tests.integration.devserver.conftest import a_key
from tests.integration.devserver.test_devserver_restart import delivered, keys, start


@pytest.fixture
def state(tmp_path):
    return tmp_path / "state"


def poller_of(sample, function):
    [poller] = [p for p in sample.server.pollers if p.mapping.function_id == function]
    return poller


def test_a_mapping_that_was_behind_never_gets_what_expired_and_goes_on_after_it(sample):
    retry = poller_of(sample, "RetryConsumer")
    pk = a_key("expired")
    retry.set_enabled(False)
    try:
        sample.put(pk, 0, target="retry")
        sample.put(pk, 1, target="retry")
        sample.server.wait_idle()
        assert sample.server.expire_stream_records() >= 2
    finally:
        retry.set_enabled(True)
    sample.put(pk, 2, target="retry")
    sample.server.wait_idle()

    assert delivered(sample, "RetryConsumer", pk) == keys(pk, 2)
    assert "expired before it read them" in sample.server.console_output.getvalue()
    assert sample.dynamodb.get_item(
        TableName=sample.table, Key={"pk": {"S": pk}, "sk": {"N": "0"}}
    )["Item"]  # the table keeps it


def test_only_records_older_than_the_age_expire(sample):
    retry = poller_of(sample, "RetryConsumer")
    pk = a_key("young")
    retry.set_enabled(False)
    try:
        sample.put(pk, 0, target="retry")
        sample.server.wait_idle()
        assert sample.server.expire_stream_records(older_than=3600) == 0
    finally:
        retry.set_enabled(True)
    sample.server.wait_idle()

    assert delivered(sample, "RetryConsumer", pk) == keys(pk, 0)


def test_a_mapping_first_enabled_after_the_records_expired_starts_after_them(state, tmp_path):
    """TRIM_HORIZON is the oldest record still there: a consumer deployed late never sees
    what expired, also after a restart (the trim horizon is kept with the checkpoints)."""
    log_path = tmp_path / "log.jsonl"
    pk = a_key("late")
    before = start(state, log_path, positions=False)  # the consumer is not deployed yet
    try:
        before.put(pk, 0, target="position")
        before.put(pk, 1, target="position")
        before.server.wait_idle()
        assert before.server.expire_stream_records() >= 2
    finally:
        before.server.stop()

    after = start(state, log_path, positions=True)  # deployed, after a restart
    try:
        after.server.wait_idle()
        after.put(pk, 2, target="position")
        after.server.wait_idle()
    finally:
        after.server.stop()

    assert delivered(after, "TrimConsumer", pk) == keys(pk, 2)
