"""The component runtime, in both topologies: typed handlers, skips, stops, declarations."""

from __future__ import annotations

import logging

import pytest

from message_store import InvalidMessageError, Metadata
from message_store.consumer import Component
from message_store.declaration import from_origin
from tests.support.contracts import Happened, Other, Replied
from tests.support.fakes import InMemorySkips, InMemoryStreams
from tests.support.streams import event_in, item_ids


class CorrelationLogger(logging.LoggerAdapter):
    """Records the correlation ids the runtime sets, as Powertools' Logger would keep them."""

    def __init__(self):
        super().__init__(logging.getLogger("tests.runtime"), {})
        self.correlation_ids: list[str | None] = []

    def set_correlation_id(self, value):
        self.correlation_ids.append(value)


class Recorder:
    """A handler that keeps what it was given; fails (transiently) at one position."""

    def __init__(self, fail_at: int | None = None, invalid_at: int | None = None):
        self.seen = []
        self.fail_at = fail_at
        self.invalid_at = invalid_at

    def __call__(self, typed, dependencies) -> None:
        position = typed.message.position
        if position == self.fail_at:
            raise ConnectionError("the store is unreachable")
        if position == self.invalid_at:
            raise InvalidMessageError("a rule the model cannot see")
        self.seen.append((typed, dependencies))

    @property
    def positions(self):
        return [typed.message.position for typed, _ in self.seen]


@pytest.fixture(params=["streams", "queues"])
def shape(request):
    return request.param


@pytest.fixture
def streams():
    return InMemoryStreams()


@pytest.fixture
def skips():
    return InMemorySkips()


def bind(handlers, skips=None, logger=None):
    return Component("c", handlers).bind(
        "deps", logger=logger or CorrelationLogger(), skips=skips or InMemorySkips()
    )


def test_each_message_reaches_its_handler_typed_in_order(shape, streams):
    happened, other = Recorder(), Recorder()
    messages = [
        streams.add("thing-1", "Happened", n=0),
        streams.add("thing-1", "Other"),
        streams.add("thing-1", "Happened", n=2),
        streams.add("thing-1", "Unknown"),
        streams.add("elsewhere-1", "Happened", n=9),  # another category: not declared
    ]

    response = bind({Happened: happened, Other: other}).handle_event(event_in(shape, messages))

    assert response == {"batchItemFailures": []}
    assert happened.positions == [0, 2]
    assert [typed.n for typed, _ in happened.seen] == [0, 2]
    assert isinstance(happened.seen[0][0], Happened)
    assert happened.seen[0][1] == "deps"
    assert other.positions == [1]
    assert happened.seen[1][0].message.id == messages[2].id


def test_a_failure_fails_its_record_and_every_record_after_it(shape, streams):
    handler = Recorder(fail_at=1)
    event = event_in(shape, [streams.add("thing-1", "Happened") for _ in range(4)])

    response = bind({Happened: handler}).handle_event(event)

    assert response == {"batchItemFailures": [{"itemIdentifier": i} for i in item_ids(event)[1:]]}
    assert handler.positions == [0]  # nothing after the failure ran


def test_a_message_that_breaks_its_contract_is_skipped_and_the_rest_flow_on(shape, streams, skips):
    handler = Recorder()
    messages = [
        streams.add("thing-1", "Happened", n=1),
        streams.add("thing-1", "Happened", n="not a number"),
        streams.add("thing-1", "Happened", n=3),
    ]

    response = bind({Happened: handler}, skips).handle_event(event_in(shape, messages))

    assert response == {"batchItemFailures": []}
    assert handler.positions == [0, 2]
    (skip,) = skips.skipped.values()
    assert (skip.consumer, skip.stream_name, skip.position) == ("c", "thing-1", 1)
    assert (skip.message_id, skip.message_type) == (messages[1].id, "Happened")
    assert "n:" in skip.error


def test_a_handler_may_declare_its_message_invalid(shape, streams, skips):
    handler = Recorder(invalid_at=0)
    messages = [streams.add("thing-1", "Happened"), streams.add("thing-1", "Happened")]

    response = bind({Happened: handler}, skips).handle_event(event_in(shape, messages))

    assert response == {"batchItemFailures": []}
    assert handler.positions == [1]
    assert skips.addresses() == ["thing-1/0"]
    assert "a rule the model cannot see" in skips.skipped[("c", "thing-1", 0)].error


def test_a_record_that_is_no_message_is_skipped_with_what_is_known_of_it(shape, streams, skips):
    handler = Recorder()
    event = event_in(shape, [streams.add("thing-1", "Happened") for _ in range(3)])
    broken = event["Records"][1]
    if shape == "queues":
        broken["body"] = "{not json"
    else:
        del broken["dynamodb"]["NewImage"]["data"]

    response = bind({Happened: handler}, skips).handle_event(event)

    assert response == {"batchItemFailures": []}
    assert handler.positions == [0, 2]
    (skip,) = skips.skipped.values()
    assert skip.stream_name == "thing-1"
    assert skip.position == (1 if shape == "streams" else None)  # a queue knows the group only


def test_a_skip_that_cannot_be_recorded_fails_like_any_outage(shape, streams, skips):
    skips.unavailable = True
    handler = Recorder()
    messages = [streams.add("thing-1", "Happened"), streams.add("thing-1", "Happened", n="x")]
    event = event_in(shape, messages)

    response = bind({Happened: handler}, skips).handle_event(event)

    assert response == {"batchItemFailures": [{"itemIdentifier": item_ids(event)[1]}]}
    assert handler.positions == [0]


def test_a_type_read_from_one_origin_only_ignores_the_others(shape, streams):
    handler = Recorder()
    messages = [
        streams.add("reply-1", "Replied", Metadata(origin_stream_name="thing-7"), text="a"),
        streams.add("reply-2", "Replied", Metadata(origin_stream_name="other-7"), text="b"),
        streams.add("reply-3", "Replied", text="c"),
    ]

    bind({from_origin(Replied, "thing"): handler}).handle_event(event_in(shape, messages))

    assert [typed.text for typed, _ in handler.seen] == ["a"]


def test_the_trace_id_is_the_log_correlation_id_while_a_message_is_handled(shape, streams):
    logger = CorrelationLogger()
    messages = [streams.add("thing-1", "Happened"), streams.add("thing-1", "Happened")]

    bind({Happened: Recorder()}, logger=logger).handle_event(event_in(shape, messages))

    assert logger.correlation_ids == ["trace-1", None, "trace-2", None]


def test_modify_and_remove_records_are_not_messages(streams):
    handler = Recorder()
    event = event_in("streams", [streams.add("thing-1", "Happened")])
    event["Records"][0]["eventName"] = "REMOVE"

    assert bind({Happened: handler}).handle_event(event) == {"batchItemFailures": []}
    assert handler.seen == []


def test_the_declaration_is_the_handlers_keys():
    component = Component(
        "c", {Happened: Recorder(), Other: Recorder(), from_origin(Replied, "thing"): Recorder()}
    )

    declaration = component.declaration
    assert declaration.describe() == "thing: Happened, Other; reply: Replied (origin thing)"
    assert declaration.categories == ("thing", "reply")
    assert component.bind("deps", logger=CorrelationLogger()).describe() == (
        "c reads thing: Happened, Other; reply: Replied (origin thing)"
    )


class Progress:
    def __init__(self):
        self.recorded = []

    def record(self, consumer, message):
        self.recorded.append((consumer, message.stream_name, message.position))


def test_how_far_a_consumer_read_is_recorded_at_most_once_a_second(streams):
    from message_store.progress import ThrottledProgress

    now = [0.0]
    recorder = Progress()
    component = Component("c", {Happened: Recorder()}).bind(
        "deps", logger=CorrelationLogger(), progress=recorder
    )
    component.progress = ThrottledProgress(recorder, clock=lambda: now[0])

    component.handle_event(event_in("streams", [streams.add("thing-1", "Happened")]))
    component.handle_event(event_in("streams", [streams.add("thing-1", "Happened")]))
    now[0] = 1.5
    component.handle_event(event_in("streams", [streams.add("thing-1", "Other")]))

    assert recorder.recorded == [("c", "thing-1", 0), ("c", "thing-1", 2)]


def test_a_batch_that_stops_records_the_last_message_done_before_it(streams):
    recorder = Progress()
    component = Component("c", {Happened: Recorder(fail_at=2)}).bind(
        "deps", logger=CorrelationLogger(), progress=recorder
    )

    component.handle_event(
        event_in("streams", [streams.add("thing-1", "Happened") for _ in range(4)])
    )

    assert recorder.recorded == [("c", "thing-1", 1)]


def test_progress_that_cannot_be_recorded_fails_nothing(streams):
    class Broken:
        def record(self, consumer, message):
            raise ConnectionError("the progress table is unreachable")

    component = Component("c", {Happened: Recorder()}).bind(
        "deps", logger=CorrelationLogger(), progress=Broken()
    )

    event = event_in("streams", [streams.add("thing-1", "Happened")])
    assert component.handle_event(event) == {"batchItemFailures": []}
