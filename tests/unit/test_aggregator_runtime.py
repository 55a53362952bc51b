"""The aggregator runtime: duplicates skipped, gaps filled, one save a batch, conflicts retried."""

from __future__ import annotations

import logging

import pytest

from message_store import Projection
from message_store.aggregator import Aggregator, ViewConflictError
from tests.support.fakes import InMemoryStreams, InMemoryViews

counter = Projection(initial=lambda: 0, handlers={"Counted": lambda n, _m: n + 1})


@pytest.fixture
def streams():
    return InMemoryStreams()


@pytest.fixture
def views():
    return InMemoryViews()


@pytest.fixture
def aggregator(streams, views):
    return Aggregator("counter", counter, views, streams, logger=logging.getLogger("t"))


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
