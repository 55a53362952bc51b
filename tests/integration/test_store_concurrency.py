"""Many writers on one stream: gapless, unique, nothing lost or doubled."""

from __future__ import annotations

import threading

import pytest

from message_store import MessageStore, VersionConflictError
from tests.support.factories import a_message, a_stream
from tests.support.moto import serialised_moto

THREADS = 8
MESSAGES_PER_THREAD = 50


@pytest.mark.slow
def test_eight_writers_on_one_stream(message_store_table):
    stream = a_stream()
    stores = [MessageStore(message_store_table, settle_window=0) for _ in range(THREADS)]
    written: dict[str, int] = {}  # message id -> position returned by write
    conflicts = [0] * THREADS
    errors: list[BaseException] = []
    lock = threading.Lock()

    def writer(index: int) -> None:
        store = stores[index]
        with_expected_version = index % 2 == 0
        try:
            for _ in range(MESSAGES_PER_THREAD):
                message = a_message(data={"writer": index})
                while True:
                    try:
                        if with_expected_version:
                            last = store.read_last_message(stream)
                            version = -1 if last is None else last.position
                            position = store.write(stream, message, expected_version=version)
                        else:
                            position = store.write(stream, message)
                        break
                    except VersionConflictError:
                        conflicts[index] += 1  # the lost race, surfaced; try again
                with lock:
                    written[message.id] = position
        except BaseException as exc:
            errors.append(exc)

    with serialised_moto():
        threads = [threading.Thread(target=writer, args=(i,)) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert errors == []
    messages = MessageStore(message_store_table, settle_window=0).read_stream(stream)
    total = THREADS * MESSAGES_PER_THREAD
    assert [m.position for m in messages] == list(range(total))
    assert len({m.id for m in messages}) == total
    # every successful write is in the stream exactly where write() said it was
    assert {m.id: m.position for m in messages} == written
    # the races really happened, and each one was reported to its writer
    assert sum(conflicts[0::2]) > 0
