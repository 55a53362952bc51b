"""user-credentials: registered users found by email; each event applied once."""

from __future__ import annotations

from tests.support.factories import a_user_id, an_email
from tests.support.streams import stored_items, stream_event
from video_tutorials.contracts import identity as contract


def register(store, user_id, email):
    stream = contract.identity_stream(user_id)
    store.write(
        stream, contract.Registered(user_id=user_id, email=email, password_hash="h").to_message()
    )
    store.write(stream, contract.RegistrationEmailSent(user_id=user_id, email_id="e").to_message())


def test_registered_delivered_twice_gives_one_credentials_item(
    store, user_credentials, credentials_views
):
    user_id, email = a_user_id(), an_email()
    register(store, user_id, email)
    event = stream_event(stored_items(store, contract.identity_stream(user_id)))

    assert user_credentials.handle_event(event) == {"batchItemFailures": []}
    assert user_credentials.handle_event(event) == {"batchItemFailures": []}

    found = credentials_views.find_by_email(email)
    assert (found.user_id, found.email, found.password_hash) == (user_id, email, "h")
    stored = credentials_views.load([user_id])[user_id]
    assert stored.version == 0  # written once: the redelivery wrote nothing
    assert stored.positions == {contract.identity_stream(user_id): 1}


def test_shuffled_users_and_a_gap(store, user_credentials, credentials_views):
    users = [(a_user_id(), an_email()) for _ in range(3)]
    for user_id, email in users:
        register(store, user_id, email)
    items = [stored_items(store, contract.identity_stream(u)) for u, _ in users]
    # the third user's Registered (position 0) is never delivered: only position 1 is
    batch = [items[2][1], items[1][0], items[0][0], items[1][1], items[0][1]]

    user_credentials.handle_event(stream_event(batch))

    for user_id, email in users:
        assert credentials_views.find_by_email(email).user_id == user_id


def test_a_rejected_registration_gives_no_credentials(store, user_credentials, credentials_views):
    user_id, email = a_user_id(), an_email()
    rejected = contract.RegistrationRejected(user_id=user_id, email=email, reason="taken")
    store.write(contract.identity_stream(user_id), rejected.to_message())

    user_credentials.handle_event(
        stream_event(stored_items(store, contract.identity_stream(user_id)))
    )

    assert credentials_views.find_by_email(email) is None


def test_a_rejected_registration_is_recorded_but_never_found_by_email(
    store, user_credentials, credentials_views
):
    winner, loser, email = a_user_id(), a_user_id(), an_email()
    register(store, winner, email)
    rejected = contract.RegistrationRejected(user_id=loser, email=email, reason="email taken")
    store.write(contract.identity_stream(loser), rejected.to_message())
    items = stored_items(store, contract.identity_stream(winner)) + stored_items(
        store, contract.identity_stream(loser)
    )

    user_credentials.handle_event(stream_event(items))
    user_credentials.handle_event(stream_event(items))

    assert credentials_views.find_by_email(email).user_id == winner
    assert credentials_views.has_applied(loser, contract.identity_stream(loser), 0)
    assert credentials_views.get(loser).rejected_reason == "email taken"
    assert credentials_views.get(loser).email is None


def test_one_read_says_whether_the_registration_is_applied_and_what_the_view_holds(
    store, user_credentials, credentials_views
):
    user_id, email = a_user_id(), an_email()
    stream = contract.identity_stream(user_id)
    assert credentials_views.get_if_applied(user_id, stream, 0) == (False, None)

    register(store, user_id, email)
    user_credentials.handle_event(stream_event(stored_items(store, stream)))

    applied, found = credentials_views.get_if_applied(user_id, stream, 0)
    assert applied
    assert (found.user_id, found.email) == (user_id, email)
    later, same = credentials_views.get_if_applied(user_id, stream, 2)  # not written yet
    assert not later
    assert same == found
