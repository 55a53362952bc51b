"""Whose turn at the world: the writers of what pages wait on first, then a page back from its
sleep, then the others in the order they asked; a sleep cut short when what it waits on is
written (``devserver.runtime.turns``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from devserver.runtime.turns import (
    AWAITED,
    FEEDING,
    IN_TURN,
    REQUEST,
    RETURNING,
    TableUse,
    WorldLock,
    tables_of,
)


def queue_up(lock: WorldLock, entries: list[tuple[str, object]], order: list[str]) -> None:
    """While the test holds ``lock``, each entry asks for it (in this order) and, once it
    has it, notes its name and lets go."""
    threads = []
    for name, rank in entries:

        def take(name: str = name, rank: object = rank) -> None:
            lock.acquire(rank=rank)  # type: ignore[arg-type]
            order.append(name)
            lock.release()

        thread = threading.Thread(target=take)
        thread.start()
        threads.append(thread)
        deadline = time.monotonic() + 5
        while len(lock._waiting) < len(threads):  # each waits before the next asks
            assert time.monotonic() < deadline
            time.sleep(0.001)
    lock.release()
    for thread in threads:
        thread.join(5)


def test_the_world_goes_in_the_order_it_was_asked_for():
    lock, order = WorldLock(), []
    lock.acquire()
    queue_up(lock, [(f"asked {n}", None) for n in range(5)], order)
    assert order == [f"asked {n}" for n in range(5)]
    assert not lock.locked()


def test_the_awaited_then_a_page_back_from_its_sleep_go_before_those_that_asked_earlier():
    lock, order = WorldLock(), []
    lock.acquire()
    queue_up(
        lock,
        [
            ("consumer", lambda: IN_TURN),
            ("aggregator the page waits for", lambda: AWAITED),
            ("another consumer", lambda: IN_TURN),
            ("page back from its sleep", lambda: RETURNING),
        ],
        order,
    )
    assert order == [
        "aggregator the page waits for",  # the page would only read the view before it
        "page back from its sleep",
        "consumer",
        "another consumer",
    ]


def test_a_rank_is_asked_when_the_world_is_handed_on_not_when_it_was_asked_for():
    lock, order = WorldLock(), []
    awaited = threading.Event()
    lock.acquire()

    def late_rank() -> int:
        return AWAITED if awaited.is_set() else IN_TURN

    def hand_on_later() -> None:
        awaited.set()  # a page went to sleep on this one's table meanwhile

    threads = []
    for name, rank in (("first", None), ("second", late_rank)):

        def take(name=name, rank=rank):
            lock.acquire(rank=rank)
            order.append(name)
            lock.release()

        threads.append(threading.Thread(target=take))
        threads[-1].start()
        while len(lock._waiting) < len(threads):
            time.sleep(0.001)
    hand_on_later()
    lock.release()
    for thread in threads:
        thread.join(5)
    assert order == ["second", "first"]


def test_a_failing_rank_counts_as_in_turn_and_the_world_is_still_handed_on():
    lock, order = WorldLock(), []
    lock.acquire()

    def broken() -> int:
        raise RuntimeError("rank failed")

    queue_up(lock, [("first", None), ("broken", broken)], order)
    assert order == ["first", "broken"]


def test_a_waiter_interrupted_before_its_turn_leaves_the_queue_and_the_world_goes_on():
    lock, order = WorldLock(), []
    lock.acquire()
    interrupted = []

    def interrupted_waiter() -> None:
        try:
            lock.acquire(rank=lambda: RETURNING)
        except KeyboardInterrupt:
            interrupted.append(True)

    class Interrupt:  # the condition's wait raises, as an asynchronous exception would
        def __init__(self, condition):
            self.condition = condition

        def __enter__(self):
            return self.condition.__enter__()

        def __exit__(self, *exc):
            return self.condition.__exit__(*exc)

        def wait(self, *args):
            raise KeyboardInterrupt

    real = lock._condition
    lock._condition = Interrupt(real)
    thread = threading.Thread(target=interrupted_waiter)
    thread.start()
    thread.join(5)
    lock._condition = real

    assert interrupted == [True]
    assert lock._waiting == []
    queue_up(lock, [("next", None)], order)
    assert order == ["next"]
    assert not lock.locked()


def test_the_world_is_not_taken_without_waiting_while_held_and_releasing_it_unheld_fails():
    lock = WorldLock()
    with lock:
        assert lock.locked()
        assert not lock.acquire(blocking=False)
    assert not lock.locked()
    with pytest.raises(RuntimeError):
        lock.release()


def test_a_writer_is_awaited_once_an_invocation_slept_after_reading_its_table():
    use = TableUse()
    use.observe("Aggregator", "dynamodb", "TransactWriteItems", _transaction("view", "other"))
    use.observe("Component", "dynamodb", "PutItem", {"TableName": "store"})
    assert use.rank("Aggregator") == IN_TURN  # nobody waits on anything yet

    use.observe("Page", "dynamodb", "GetItem", {"TableName": "view"})
    use.sleeping()

    assert use.rank("Aggregator") == AWAITED
    assert use.rank("Component") == IN_TURN
    assert use.rank("Page") == IN_TURN  # it reads the view, it never wrote it


def test_what_a_thread_read_last_is_what_its_sleep_waits_on():
    use = TableUse()
    use.observe("Aggregator", "dynamodb", "PutItem", {"TableName": "view"})
    use.observe("Page", "dynamodb", "GetItem", {"TableName": "view"})
    use.observe("Page", "dynamodb", "Query", {"TableName": "elsewhere"})
    use.sleeping()
    assert use.rank("Aggregator") == IN_TURN

    elsewhere = threading.Thread(
        target=lambda: (
            use.observe("Page", "dynamodb", "GetItem", {"TableName": "view"}),
            use.sleeping(),
        )
    )
    elsewhere.start()
    elsewhere.join(5)
    assert use.rank("Aggregator") == AWAITED


def test_other_services_and_unnamed_tables_teach_nothing():
    use = TableUse()
    use.observe("Sender", "ses", "SendEmail", {"TableName": "view"})
    use.observe("Page", "dynamodb", "GetItem", {"TableName": "view"})
    use.sleeping()
    assert use.rank("Sender") == IN_TURN


def test_a_users_request_goes_before_the_steps_of_a_flow_which_go_before_leaf_views():
    use = TableUse()
    use.sources = frozenset({"store"})  # an event source mapping reads its stream
    use.observe("Component", "dynamodb", "PutItem", {"TableName": "store"})
    use.observe("Relay", "sns", "Publish", {"TopicArn": "topic"})
    use.observe("Aggregator", "dynamodb", "PutItem", {"TableName": "view"})

    assert use.rank("Page", request=True) == REQUEST
    assert use.rank("Component") == FEEDING
    assert use.rank("Relay") == FEEDING
    assert use.rank("Aggregator") == IN_TURN

    use.observe("Page", "dynamodb", "GetItem", {"TableName": "view"})
    use.sleeping()
    assert use.rank("Aggregator") == AWAITED  # before the requests: the page waits on it


def _sleeper(use: TableUse, seconds: float) -> tuple[threading.Thread, list[float]]:
    """A page that read ``view`` and sleeps ``seconds`` on its own thread (started); the
    list gets the time it slept."""
    use.observe("Page", "dynamodb", "GetItem", {"TableName": "view"})
    awaiting = use.sleeping()
    slept: list[float] = []

    def sleep() -> None:
        started = time.monotonic()
        use.pause(awaiting, seconds, time.sleep)
        slept.append(time.monotonic() - started)

    thread = threading.Thread(target=sleep)
    thread.start()
    return thread, slept


def _after(seconds: float, action: Callable[[], None]) -> None:
    time.sleep(seconds)
    action()


def test_a_sleep_ends_when_the_table_it_waits_on_is_written():
    use = TableUse(wake_sleepers=True)
    thread, slept = _sleeper(use, 5.0)
    _after(0.05, lambda: use.observe("Aggregator", "dynamodb", "PutItem", {"TableName": "view"}))
    thread.join(5)
    assert not thread.is_alive()
    assert slept[0] < 1.0  # not the 5 s it asked for


def test_a_sleep_runs_its_course_when_other_tables_or_failed_writes_are_all_there_is():
    use = TableUse(wake_sleepers=True)
    use.observe("Other", "dynamodb", "PutItem", {"TableName": "elsewhere"})
    thread, slept = _sleeper(use, 0.3)
    use.observe("Other", "dynamodb", "PutItem", {"TableName": "elsewhere"})
    use.observe("Aggregator", "dynamodb", "PutItem", {"TableName": "view"}, succeeded=False)
    use.observe("Aggregator", "dynamodb", "GetItem", {"TableName": "view"})  # a read
    thread.join(5)
    assert slept[0] >= 0.29


def test_a_write_before_the_sleep_began_does_not_end_it():
    use = TableUse(wake_sleepers=True)
    use.observe("Page", "dynamodb", "GetItem", {"TableName": "view"})
    use.sleeping()  # the view is awaited from now on: its writes are counted
    use.observe("Aggregator", "dynamodb", "PutItem", {"TableName": "view"})
    thread, slept = _sleeper(use, 0.3)  # a later sleep counts from its own start
    thread.join(5)
    assert slept[0] >= 0.29


def test_at_aws_cadence_a_sleep_runs_its_course_whatever_is_written():
    use = TableUse()  # wake_sleepers off: what --poll-interval sets
    thread, slept = _sleeper(use, 0.3)
    _after(0.05, lambda: use.observe("Aggregator", "dynamodb", "PutItem", {"TableName": "view"}))
    thread.join(5)
    assert slept[0] >= 0.29


def test_the_tables_a_request_names():
    assert tables_of("GetItem", {"TableName": "t"}) == ["t"]
    assert tables_of("BatchGetItem", {"RequestItems": {"a": {}, "b": {}}}) == ["a", "b"]
    assert tables_of("TransactWriteItems", _transaction("a", "b")) == ["a", "b"]
    assert tables_of("ListTables", {}) == []


def _transaction(*tables: str) -> dict:
    return {"TransactItems": [{"Put": {"TableName": table, "Item": {}}} for table in tables]}
