"""admin-users: each user's registration, welcome email, logins, failed logins and viewings —
every event delivered twice, counted once; a viewing counts for its viewer, not its video."""

from __future__ import annotations

import uuid

from message_store import Message
from tests.support.streams import deliver, stored_items, stream_event
from video_tutorials.contracts import authentication, identity, viewing


def a_user(store, email="ada@example.com") -> str:
    user = str(uuid.uuid4())
    stream = identity.identity_stream(user)
    store.write(
        stream, identity.Registered(user_id=user, email=email, password_hash="h").to_message()
    )
    store.write(
        stream,
        identity.RegistrationEmailSent(user_id=user, email_id=str(uuid.uuid4())).to_message(),
    )
    return user


def test_each_users_registration_logins_and_viewings_counted_once(
    store, admin_users, admin_users_views
):
    user = a_user(store)
    logins = authentication.authentication_stream(user)
    store.write(logins, authentication.UserLoginFailed(user_id=user, reason="wrong").to_message())
    store.write(logins, authentication.UserLoggedIn(user_id=user).to_message())
    store.write(logins, authentication.UserLoggedIn(user_id=user).to_message())
    video_a, video_b = str(uuid.uuid4()), str(uuid.uuid4())
    for video in (video_a, video_a, video_b):
        store.write(
            viewing.viewing_stream(video),
            viewing.VideoViewed(user_id=user, video_id=video).to_message(),
        )
    # someone else's viewing and an anonymous one: not this user's
    store.write(
        viewing.viewing_stream(video_b),
        viewing.VideoViewed(user_id=str(uuid.uuid4()), video_id=video_b).to_message(),
    )
    store.write(viewing.viewing_stream(video_b), viewing.VideoViewed(video_id=video_b).to_message())

    streams = [
        identity.identity_stream(user),
        logins,
        viewing.viewing_stream(video_a),
        viewing.viewing_stream(video_b),
    ]
    assert deliver(admin_users, store, *streams, twice=True) == {"batchItemFailures": []}

    seen = admin_users_views.get(user)
    assert seen.email == "ada@example.com"
    assert seen.registered
    assert seen.registration_email_sent
    assert (seen.logins, seen.failed_logins, seen.viewings) == (2, 1, 3)
    assert seen.last_login is not None
    assert len(admin_users_views.users(limit=10).items) == 2  # the other viewer too


def test_a_rejected_registration_shows_why(store, admin_users, admin_users_views):
    user = str(uuid.uuid4())
    stream = identity.identity_stream(user)
    store.write(
        stream,
        identity.RegistrationRejected(
            user_id=user, email="b@example.com", reason="taken"
        ).to_message(),
    )

    deliver(admin_users, store, stream, twice=True)

    seen = admin_users_views.get(user)
    assert (seen.registered, seen.rejected_reason, seen.email) == (False, "taken", "b@example.com")


def test_a_login_delivered_alone_fills_the_gap_of_its_users_stream(
    store, admin_users, admin_users_views
):
    """The authentication stream is the user's own: a lost delivery is read back."""
    user = a_user(store)
    logins = authentication.authentication_stream(user)
    for _ in range(3):
        store.write(logins, authentication.UserLoggedIn(user_id=user).to_message())

    admin_users.handle_event(stream_event(stored_items(store, logins)[2:]))

    assert admin_users_views.get(user).logins == 3


def test_a_malformed_login_is_skipped_and_the_rest_counted(
    store, admin_users, admin_users_views, skips
):
    user = a_user(store)
    logins = authentication.authentication_stream(user)
    store.write(logins, Message(type="UserLoggedIn", data={"nobody": True}))
    store.write(logins, authentication.UserLoggedIn(user_id=user).to_message())

    assert deliver(admin_users, store, logins, twice=True) == {"batchItemFailures": []}

    assert admin_users_views.get(user).logins == 1
    assert skips.addresses() == [f"{logins}/0"]


def test_the_users_page_pages_through_every_user(store, admin_users, admin_users_views):
    users = [a_user(store, f"u{n}@example.com") for n in range(5)]
    deliver(admin_users, store, *[identity.identity_stream(u) for u in users])

    first = admin_users_views.users(limit=3)
    second = admin_users_views.users(after=first.next_after, limit=3)

    assert len(first.items) == 3
    assert first.next_after is not None
    assert len(second.items) == 2
    assert second.next_after is None
    assert {u.user_id for u in first.items + second.items} == set(users)


def test_the_failures_since_the_last_log_in_are_kept_for_the_lock(
    store, admin_users, admin_users_views
):
    """What the admin page derives a log-in lock from: failures after the last success."""
    user = a_user(store)
    logins = authentication.authentication_stream(user)
    failed = authentication.UserLoginFailed(user_id=user, reason="wrong password")
    store.write(logins, failed.to_message())
    store.write(logins, authentication.UserLoggedIn(user_id=user).to_message())
    for _ in range(3):
        store.write(logins, failed.to_message())

    assert deliver(admin_users, store, logins, twice=True) == {"batchItemFailures": []}

    seen = admin_users_views.get(user)
    times = [m.time.isoformat() for m in store.read_stream(logins)[2:]]
    assert seen.recent_failures == tuple(times)
    assert seen.failed_logins == 4
