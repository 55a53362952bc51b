"""Two users register one email at the same moment: exactly one wins it."""

from __future__ import annotations

import threading

from message_store import MessageStore
from tests.support.factories import a_user_id, an_email
from tests.support.moto import serialised_moto
from tests.support.streams import stored_items, stream_event
from video_tutorials.contracts import identity as contract

from .conftest import bind_identity
from .test_identity_register import write_register


class RaceAtTheReservation(MessageStore):
    """A store whose writers all wait until each has read the reservation stream."""

    def __init__(self, table_name: str, barrier: threading.Barrier) -> None:
        super().__init__(table_name, settle_window=0)
        self.barrier = barrier

    def write(self, stream_name, message, expected_version=None):
        if stream_name.startswith(f"{contract.EMAIL_CATEGORY}-"):
            self.barrier.wait(timeout=10)
        return super().write(stream_name, message, expected_version)


def test_exactly_one_registered_and_one_rejected(store, message_store_table, logger):
    email = an_email()
    users = [a_user_id(), a_user_id()]
    for user_id in users:
        write_register(store, user_id, email)
    barrier = threading.Barrier(2)
    responses = {}

    def handle(user_id: str) -> None:
        racer = RaceAtTheReservation(message_store_table, barrier)
        component = bind_identity(racer, logger)
        event = stream_event(stored_items(store, contract.command_stream(user_id)))
        responses[user_id] = component.handle_event(event)

    with serialised_moto():
        threads = [threading.Thread(target=handle, args=(u,)) for u in users]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert all(r == {"batchItemFailures": []} for r in responses.values())
    outcomes = sorted(store.read_stream(contract.identity_stream(u))[0].type for u in users)
    assert outcomes == ["Registered", "RegistrationRejected"]
    (reservation,) = store.read_stream(contract.email_stream(email))
    winner = next(
        u for u in users if store.read_stream(contract.identity_stream(u))[0].type == "Registered"
    )
    assert reservation.data["userId"] == winner
