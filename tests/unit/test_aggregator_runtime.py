"""The aggregator runtime: duplicates skipped, gaps filled, one save a batch, conflicts retried,
invalid messages skipped (delivered or read to fill a gap), failures stop the batch there."""

from __future__ import annotations

import logging

import pytest

from message_store import Projection
from message_store.aggregator import Aggregator, ViewConflictError
from tests.support.contracts import Counted, Happened
from tests.support.fakes import InMemorySkips, InMemoryStreams, InMemoryViews
from tests.support.streams import event_in, item_ids

counter = Projection(
    initial=lambda: 0,
    handlers={Counted: lambda n, _e: n + 1, Happened: lambda n, e: n + e.n},
)


class FlakyStreams(InMemoryStreams):
    """The store, unreachable for reads of some streams."""

    def __init__(self):
        super().__init__()
        self.unreachable: set[str] = set()

    def read_stream(self, stream_name, from_position=0, max_messages=1000):
        if stream_name in self.unreachable:
            raise ConnectionError(f"cannot read {stream_name}")
        return super().read_stream(stream_name, from_position, max_messages)


@pytest.fixture
def streams():
    return FlakyStreams()


@pytest.fixture
def views():
    return InMemoryViews()


@pytest.fixture
def skips():
    return InMemorySkips()


@pytest.fixture
def aggregator(streams, views, skips):
    return Aggregator("counter", counter).bind(
        views=views, store=streams, skips=skips, logger=logging.getLogger("t")
    )


@pytest.fixture(params=["streams", "queues"])
def shape(request):
    return request.param


def test_a_batch_is_saved_once_with_the_positions_it_applied(aggregator, streams, views):
    messages = [streams.add("thing-a", "Counted") for _ in range(3)]
    messages.append(streams.add("thing-b", "Ignored"))

    aggregator.apply(messages)

    assert views.saves == 1
    assert views.items["a"].state == 3
    assert views.items["a"].positions == {"thing-a": 2}
    assert "b" not in views.items  # nothing it handles: nothing to write


def test_skipped_messages_are_read_again_when_the_stream_moves_on(aggregator, streams, views):
    ignored = streams.add("thing-a", "Ignored")
    aggregator.apply([ignored])
    counted = streams.add("thing-a", "Counted")

    aggregator.apply([counted])

    assert views.items["a"].state == 1
    assert views.items["a"].positions == {"thing-a": 1}
    assert streams.reads == [("thing-a", 0, 1)]


def test_messages_at_or_below_the_applied_position_are_skipped(aggregator, streams, views):
    messages = [streams.add("thing-a", "Counted") for _ in range(2)]
    aggregator.apply(messages)

    aggregator.apply([messages[1], messages[0], messages[1]])

    assert views.items["a"].state == 2
    assert views.saves == 1  # nothing new: nothing written


def test_a_gap_is_read_from_the_store(aggregator, streams, views):
    messages = [streams.add("thing-a", "Counted") for _ in range(5)]

    aggregator.apply([messages[0], messages[4]])

    assert views.items["a"].state == 5
    assert streams.reads == [("thing-a", 1, 3)]


def test_a_stale_view_item_is_loaded_and_folded_again(aggregator, streams, views):
    views.conflicts = 2
    aggregator.apply([streams.add("thing-a", "Counted")])

    assert views.items["a"].state == 1


def test_conflicts_beyond_the_attempts_fail_the_batch(aggregator, streams, views):
    views.conflicts = 3
    with pytest.raises(ViewConflictError):
        aggregator.apply([streams.add("thing-a", "Counted")])
    assert views.items == {}


def test_an_invalid_message_is_skipped_recorded_and_the_stream_flows_on(
    shape, aggregator, streams, views, skips
):
    """The defect of issue 7: a VideoViewed without videoId stopped its video's count for
    good (every later viewing failed too, since gap filling re-applied the bad message)."""
    bad = streams.add("thing-a", "Happened", n="seven")
    good = [streams.add("thing-a", "Happened", n=1) for _ in range(3)]

    response = aggregator.handle_event(event_in(shape, [bad, *good]))

    assert response == {"batchItemFailures": []}
    assert views.items["a"].state == 3
    assert skips.addresses() == ["thing-a/0"]
    # a later message that finds the bad one in its gap does not apply it either
    later = streams.add("thing-a", "Happened", n=1)
    views.items.clear()
    assert aggregator.handle_event(event_in(shape, [later])) == {"batchItemFailures": []}
    assert views.items["a"].state == 4
    assert skips.addresses() == ["thing-a/0"]  # recorded once, whatever the repetitions


def test_a_failure_filling_a_gap_keeps_what_came_before_and_fails_from_there(
    shape, aggregator, streams, views
):
    other = streams.add("thing-b", "Counted")
    first = streams.add("thing-a", "Counted")
    streams.add("thing-a", "Counted")  # position 1: never delivered, read to fill the gap
    third = streams.add("thing-a", "Counted")
    streams.unreachable.add("thing-a")
    event = event_in(shape, [other, first, third])

    response = aggregator.handle_event(event)

    assert response == {"batchItemFailures": [{"itemIdentifier": item_ids(event)[2]}]}
    assert views.items["b"].state == 1
    assert views.items["a"].state == 1
    streams.unreachable.clear()
    assert aggregator.handle_event(event_in(shape, [third])) == {"batchItemFailures": []}
    assert views.items["a"].state == 3


def test_a_failing_projection_fails_its_record_and_the_rest(shape, streams, views):
    def explode(n, event):
        if event.n == 13:
            raise RuntimeError("a bug")
        return n + event.n

    flaky = Projection(initial=lambda: 0, handlers={Happened: explode})
    aggregator = Aggregator("flaky", flaky).bind(
        views=views, store=streams, logger=logging.getLogger("t")
    )
    messages = [
        streams.add("thing-a", "Happened", n=1),
        streams.add("thing-b", "Happened", n=13),
        streams.add("thing-a", "Happened", n=2),
    ]
    event = event_in(shape, messages)

    response = aggregator.handle_event(event)

    assert response == {"batchItemFailures": [{"itemIdentifier": i} for i in item_ids(event)[1:]]}
    assert views.items["a"].state == 1
    assert "b" not in views.items


def test_a_view_that_cannot_be_saved_fails_the_whole_batch(shape, aggregator, streams, views):
    views.conflicts = 5
    event = event_in(shape, [streams.add("thing-a", "Counted"), streams.add("thing-b", "Counted")])

    response = aggregator.handle_event(event)

    assert response == {"batchItemFailures": [{"itemIdentifier": i} for i in item_ids(event)]}
    assert views.items == {}


def test_the_declaration_is_the_projections_contracts():
    assert Aggregator("counter", counter).declaration.describe() == "thing: Counted, Happened"
