from __future__ import annotations

from datetime import UTC, datetime, timedelta

from message_store import global_position as gp


def test_positions_of_one_clock_strictly_increase():
    clock = gp.GlobalPositionClock()
    positions = [clock.next() for _ in range(5000)]
    assert positions == sorted(positions)
    assert len(set(positions)) == len(positions)
    assert all(gp.is_global_position(p) for p in positions)


def test_the_floor_of_a_moment_sorts_before_everything_written_after_it():
    before = datetime.now(UTC) - timedelta(milliseconds=5)
    position = gp.GlobalPositionClock().next()
    assert gp.floor(before) < position
    assert gp.floor(datetime.now(UTC) + timedelta(seconds=1)) > position


def test_the_time_of_a_position_is_when_it_was_made():
    position = gp.GlobalPositionClock().next()
    assert abs(gp.time_of(position) - datetime.now(UTC)) < timedelta(seconds=1)


def test_what_is_not_a_position():
    assert not gp.is_global_position("01ARZ3NDEKTSV4RRFFQ69G5FA")  # 25 characters
    assert not gp.is_global_position("01ARZ3NDEKTSV4RRFFQ69G5FAU")  # U is not Crockford
    assert not gp.is_global_position(None)
