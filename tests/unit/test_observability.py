"""What the functions count for operators, and what their metrics and traces cost.

The consumers' runtime counts each batch into its metrics sink (Powertools' ``Metrics`` in
the functions): MessagesHandled, InvalidMessages, FailedMessages and Lag. The authenticate
function counts log-in outcomes. The tracer is Powertools' where X-Ray records, else a no-op
that never imports the X-Ray SDK.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from message_store import observability
from message_store.consumer import Component
from message_store.settings import ObservabilitySettings
from tests.support.contracts import Happened
from tests.support.fakes import InMemorySkips, InMemoryStreams
from tests.support.streams import event_in
from video_tutorials.observability import count_log_in_outcome


class Metrics:
    """A metrics sink that keeps what it is given (Powertools' ``add_metric`` signature)."""

    def __init__(self):
        self.added: list[tuple[str, str, float]] = []

    def add_metric(self, name, unit, value):
        self.added.append((name, unit, value))

    def total(self, name):
        return sum(value for metric, _, value in self.added if metric == name)

    def values(self, name):
        return [value for metric, _, value in self.added if metric == name]


def handler_failing_at(position=None, invalid_at=None):
    def handle(typed, dependencies):
        if typed.message.position == position:
            raise ConnectionError("the store is unreachable")
        if typed.message.position == invalid_at:
            from message_store import InvalidMessageError

            raise InvalidMessageError("breaks a rule")

    return handle


@pytest.fixture(params=["streams", "queues"])
def shape(request):
    return request.param


def run_batch(shape, handler, count=4, age=timedelta(0)):
    streams, metrics = InMemoryStreams(), Metrics()
    messages = [streams.add("thing-1", "Happened") for _ in range(count)]
    messages = [m.model_copy(update={"time": m.time - age}) for m in messages]
    consumer = Component("c", {Happened: handler}).bind(
        "deps", skips=InMemorySkips(), metrics=metrics
    )
    response = consumer.handle_event(event_in(shape, messages))
    return response, metrics


def test_a_batch_counts_the_messages_it_handled_and_how_old_the_last_one_was(shape):
    response, metrics = run_batch(shape, handler_failing_at(), age=timedelta(seconds=90))

    assert response == {"batchItemFailures": []}
    assert metrics.total(observability.MESSAGES_HANDLED) == 4
    [lag] = metrics.values(observability.LAG)
    assert 90 <= lag < 120
    assert metrics.total(observability.FAILED_MESSAGES) == 0


def test_a_failure_counts_what_was_handled_before_it_and_what_will_be_retried(shape):
    response, metrics = run_batch(shape, handler_failing_at(position=1))

    assert len(response["batchItemFailures"]) == 3
    assert metrics.total(observability.MESSAGES_HANDLED) == 1
    assert metrics.total(observability.FAILED_MESSAGES) == 3


def test_a_skipped_message_is_handled_and_counted_as_invalid(shape):
    _, metrics = run_batch(shape, handler_failing_at(invalid_at=2))

    assert metrics.total(observability.MESSAGES_HANDLED) == 4
    assert metrics.total(observability.INVALID_MESSAGES) == 1


def test_a_message_from_the_future_has_no_negative_lag():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert observability.seconds_since(now + timedelta(seconds=3), now) == 0.0
    assert observability.seconds_since(datetime(2025, 12, 31, 23, 59, 0), now) == 60.0


def api_event(method, path):
    return {"httpMethod": method, "path": path}


@pytest.mark.parametrize(
    ("status", "metric"),
    [
        (303, observability.LOGINS),
        (401, observability.LOGIN_FAILURES),
        (429, observability.LOCKED_OUT_LOGINS),
    ],
)
def test_every_log_in_outcome_is_counted(status, metric):
    metrics = Metrics()
    count_log_in_outcome(metrics, api_event("POST", "/auth/log-in"), {"statusCode": status})
    assert metrics.added == [(metric, "Count", 1)]


def test_other_requests_and_outcomes_count_nothing():
    metrics = Metrics()
    count_log_in_outcome(metrics, api_event("GET", "/auth/log-in"), {"statusCode": 401})
    count_log_in_outcome(metrics, api_event("POST", "/auth/log-out"), {"statusCode": 303})
    count_log_in_outcome(metrics, api_event("POST", "/auth/log-in"), {"statusCode": 400})
    assert metrics.added == []


def test_a_stage_in_the_path_still_counts():
    metrics = Metrics()
    count_log_in_outcome(metrics, api_event("POST", "/Prod/auth/log-in/"), {"statusCode": 401})
    assert metrics.total(observability.LOGIN_FAILURES) == 1


@pytest.mark.parametrize(
    ("environment", "tracing"),
    [
        ({"LAMBDA_TASK_ROOT": "/var/task"}, True),
        ({"LAMBDA_TASK_ROOT": "/var/task", "AWS_SAM_LOCAL": "true"}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "true"}, False),
        ({}, False),
    ],
)
def test_traces_are_recorded_only_on_lambda(environment, tracing):
    assert ObservabilitySettings.from_environment(environment).tracing is tracing


def test_where_nothing_records_traces_the_x_ray_sdk_is_never_imported():
    code = (
        "import sys, json\n"
        "from message_store.observability import function_tracer, function_metrics\n"
        "tracer, metrics = function_tracer(), function_metrics()\n"
        "@tracer.capture_lambda_handler\n"
        "@metrics.log_metrics\n"
        "def handler(event, context):\n"
        "    metrics.add_metric(name='MessagesHandled', unit='Count', value=2)\n"
        "    return 'done'\n"
        "print(json.dumps([type(tracer).__name__, handler({}, None),"
        " 'aws_xray_sdk' in sys.modules, 'botocore.session' in sys.modules]))\n"
    )
    environment = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": "layers/message_store",
        "AWS_SAM_LOCAL": "true",
        "LAMBDA_TASK_ROOT": "/var/task",
        "POWERTOOLS_METRICS_NAMESPACE": "VideoTutorials/test",
        "POWERTOOLS_SERVICE_NAME": "c",
    }
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=False
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.strip().splitlines()
    # (Powertools imports botocore's package for its user agent; the SDK's session is not loaded)
    assert json.loads(lines[-1]) == ["NoTracer", "done", False, False]
    emf = json.loads(lines[0])  # the metrics, flushed as CloudWatch's embedded metric format
    directive = emf["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "VideoTutorials/test"
    assert directive["Dimensions"] == [["service"]]
    assert (emf["service"], emf["MessagesHandled"]) == ("c", [2.0])


def test_on_lambda_the_tracer_is_made_at_the_first_invocation(monkeypatch):
    made = []

    class Tracer:  # Powertools' Tracer's decorator, recorded
        def capture_lambda_handler(self, handler, **options):
            def traced(event, context):
                return ("traced", handler(event, context))

            return traced

    lazy = observability.LazyTracer()
    monkeypatch.setattr(lazy, "load", lambda: made.append(1) or Tracer())
    handler = lazy.capture_lambda_handler(lambda event, context: event["n"])
    assert made == []  # importing the function made nothing
    assert handler({"n": 1}, None) == ("traced", 1)
    assert handler({"n": 2}, None) == ("traced", 2)
    assert made == [1]  # made once, at the first invocation
