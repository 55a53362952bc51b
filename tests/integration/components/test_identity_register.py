"""identity: Register -> Registered, the email reserved; delivered twice, one effect."""

from __future__ import annotations

from message_store import Message, Metadata
from tests.support.factories import a_user_id, an_email
from tests.support.streams import deliver
from video_tutorials.contracts import identity as contract


def write_register(store, user_id, email, trace_id="trace-1"):
    command = contract.Register(user_id=user_id, email=email, password_hash="hash")
    return store.write(
        contract.command_stream(user_id),
        command.to_message(Metadata(trace_id=trace_id, user_id=user_id)),
    )


def test_register_delivered_twice_registers_once(store, identity):
    user_id, email = a_user_id(), an_email()
    write_register(store, user_id, email)

    response = deliver(identity, store, contract.command_stream(user_id), twice=True)

    assert response == {"batchItemFailures": []}
    events = store.read_stream(contract.identity_stream(user_id))
    assert [e.type for e in events] == ["Registered"]
    assert events[0].data == {"userId": user_id, "email": email, "passwordHash": "hash"}
    assert events[0].metadata.trace_id == "trace-1"
    assert events[0].metadata.causation_message_stream_name == contract.command_stream(user_id)
    reservations = store.read_stream(contract.email_stream(email))
    assert [(r.type, r.data["userId"]) for r in reservations] == [("EmailReserved", user_id)]


def test_a_second_user_with_the_same_email_is_rejected(store, identity):
    first, second, email = a_user_id(), a_user_id(), an_email()
    write_register(store, first, email)
    write_register(store, second, email.upper())  # the same address, differently typed

    deliver(identity, store, contract.command_stream(first), contract.command_stream(second))

    assert [e.type for e in store.read_stream(contract.identity_stream(first))] == ["Registered"]
    (rejected,) = store.read_stream(contract.identity_stream(second))
    assert rejected.type == "RegistrationRejected"
    assert rejected.data["reason"] == "email already taken"


def test_an_old_command_redelivered_late_does_not_act_again(store, identity):
    taken, user_id = an_email(), a_user_id()
    write_register(store, a_user_id(), taken)
    deliver(identity, store, *_command_streams(store))
    write_register(store, user_id, taken)  # position 0: rejected
    write_register(store, user_id, an_email())  # position 1: registered
    deliver(identity, store, contract.command_stream(user_id))

    deliver(identity, store, contract.command_stream(user_id))  # both again, late

    types = [e.type for e in store.read_stream(contract.identity_stream(user_id))]
    assert types == ["RegistrationRejected", "Registered"]


def test_the_same_commands_shuffled_across_streams_give_the_same_outcome(store, identity):
    users = [(a_user_id(), an_email()) for _ in range(3)]
    for user_id, email in users:
        write_register(store, user_id, email)

    streams = [contract.command_stream(user_id) for user_id, _ in users]
    deliver(identity, store, *reversed(streams))

    for user_id, _ in users:
        assert [e.type for e in store.read_stream(contract.identity_stream(user_id))] == [
            "Registered"
        ]


def test_a_register_for_another_users_stream_is_skipped_and_recorded(store, identity, skips):
    user_id, other = a_user_id(), a_user_id()
    command = contract.Register(user_id=other, email=an_email(), password_hash="h")
    store.write(contract.command_stream(user_id), command.to_message())

    response = deliver(identity, store, contract.command_stream(user_id), twice=True)

    assert response == {"batchItemFailures": []}
    assert store.read_stream(contract.identity_stream(user_id)) == []
    assert store.read_stream(contract.identity_stream(other)) == []
    assert skips.addresses() == [f"{contract.command_stream(user_id)}/0"]


def test_a_register_that_breaks_its_contract_is_skipped_and_the_next_one_handled(
    store, identity, skips
):
    user_id = a_user_id()
    stream = contract.command_stream(user_id)
    store.write(stream, Message(type="Register", data={"userId": user_id}))  # no email
    write_register(store, user_id, an_email())

    assert deliver(identity, store, stream) == {"batchItemFailures": []}

    assert [e.type for e in store.read_stream(contract.identity_stream(user_id))] == ["Registered"]
    assert skips.addresses() == [f"{stream}/0"]


def _command_streams(store):
    response = store.client.scan(TableName=store.table_name)
    names = {item["streamName"]["S"] for item in response["Items"]}
    return sorted(n for n in names if n.startswith("identity:command-"))
