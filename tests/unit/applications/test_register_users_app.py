"""register-users (with fakes): Register once per form, taken emails, the double click."""

from __future__ import annotations

import uuid

from tests.support.applications import (
    FakeCredentialsView,
    InMemoryMessageStore,
    a_site,
    cheap_passwords,
    form_value,
    header,
    page_text,
)
from tests.support.factories import an_api_request
from video_tutorials.applications import register_users


def a_register_users():
    store = InMemoryMessageStore()
    credentials = FakeCredentialsView()
    passwords = cheap_passwords()
    app = register_users.create_app(
        a_site(), store=store, credentials=credentials, passwords=passwords
    )
    return app, store, credentials, passwords


def registration(user_id: str, email: str = "Ada@Example.com", password: str = "long enough"):
    return an_api_request(
        "POST", "/register", form={"id": user_id, "email": email, "password": password}
    )


def test_the_form_has_a_fresh_id_each_time():
    app, _, _, _ = a_register_users()

    first = app.resolve(an_api_request("GET", "/register"), {})
    second = app.resolve(an_api_request("GET", "/register"), {})

    assert first["statusCode"] == 200
    ids = {form_value(first, "id"), form_value(second, "id")}
    assert len(ids) == 2
    assert all(str(uuid.UUID(value)) == value for value in ids)


def test_registering_writes_register_with_the_normalised_email_and_a_hash():
    app, store, _, passwords = a_register_users()
    user_id = str(uuid.uuid4())

    response = app.resolve(registration(user_id), {})

    assert response["statusCode"] == 303
    assert header(response, "Location") == "/Prod/register/registration-complete"
    [command] = store.read_stream(f"identity:command-{user_id}")
    assert command.type == "Register"
    assert command.data["userId"] == user_id
    assert command.data["email"] == "ada@example.com"
    assert passwords.verify(command.data["passwordHash"], "long enough")
    assert "long enough" not in str(command.data)
    assert command.metadata.trace_id == header(response, "X-Trace-Id")


def test_the_same_form_sent_twice_is_one_registration_and_two_successes():
    app, store, _, _ = a_register_users()
    user_id = str(uuid.uuid4())

    first = app.resolve(registration(user_id), {})
    second = app.resolve(registration(user_id), {})

    assert (first["statusCode"], second["statusCode"]) == (303, 303)
    assert len(store.read_stream(f"identity:command-{user_id}")) == 1


def test_the_same_form_sent_back_with_another_email_is_refused_with_a_fresh_id():
    app, store, _, _ = a_register_users()
    user_id = str(uuid.uuid4())
    app.resolve(registration(user_id, email="ada@example.com"), {})

    response = app.resolve(registration(user_id, email="grace@example.com"), {})

    assert response["statusCode"] == 409
    assert "already sent with another email address" in page_text(response)
    assert form_value(response, "email") == "grace@example.com"
    assert form_value(response, "id") != user_id
    [command] = store.read_stream(f"identity:command-{user_id}")
    assert command.data["email"] == "ada@example.com"


def test_an_email_in_the_credentials_view_is_taken_whatever_its_case():
    app, store, credentials, _ = a_register_users()
    credentials.add(str(uuid.uuid4()), "ada@example.com", "$argon2id$…")

    response = app.resolve(registration(str(uuid.uuid4()), email=" ADA@example.COM "), {})

    assert response["statusCode"] == 400
    assert "That email address is already taken." in page_text(response)
    assert store.messages() == []


def test_the_registration_complete_page_links_to_log_in():
    app, _, _, _ = a_register_users()

    response = app.resolve(an_api_request("GET", "/register/registration-complete"), {})

    assert response["statusCode"] == 200
    assert "Registration complete" in page_text(response)
    assert 'href="/Prod/auth/log-in"' in response["body"]


def test_other_pages_under_register_are_the_sites_404():
    app, _, _, _ = a_register_users()

    response = app.resolve(an_api_request("GET", "/register/elsewhere"), {})

    assert response["statusCode"] == 404
    assert "Page not found" in page_text(response)


def test_a_view_outage_is_a_503_and_nothing_is_written():
    app, store, credentials, _ = a_register_users()
    credentials.unavailable = True

    response = app.resolve(registration(str(uuid.uuid4())), {})

    assert response["statusCode"] == 503
    assert store.messages() == []
