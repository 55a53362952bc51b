"""The register-users function on moto: Register written once, every bad input refused."""

from __future__ import annotations

import uuid

import pytest

from tests.support.applications import form_value, header, page_text
from tests.support.factories import a_password, an_api_request

TAKEN = "taken@example.com"


def a_registration(**fields: str) -> dict[str, str]:
    return {"id": str(uuid.uuid4()), "email": "ada@example.com", "password": a_password()} | fields


def post(form: dict[str, str], **options) -> dict:
    return an_api_request("POST", "/register", form=form, **options)


def test_the_form_page(register_users_function):
    response = register_users_function(an_api_request("GET", "/register"))

    assert response["statusCode"] == 200
    assert uuid.UUID(form_value(response, "id"))
    assert 'action="/Prod/register"' in response["body"]
    assert 'autocomplete="new-password"' in response["body"]


def test_registering_writes_register_to_the_users_command_stream(register_users_function, store):
    form = a_registration(email="  Ada.Lovelace@Example.COM ")

    response = register_users_function(post(form))

    assert response["statusCode"] == 303
    assert header(response, "Location") == "/Prod/register/registration-complete"
    [command] = store.read_stream(f"identity:command-{form['id']}")
    assert command.type == "Register"
    assert command.data["userId"] == form["id"]
    assert command.data["email"] == "ada.lovelace@example.com"
    assert command.data["passwordHash"].startswith("$argon2id$")
    assert command.metadata.trace_id == header(response, "X-Trace-Id")


def test_a_double_click_registers_once_and_succeeds_twice(register_users_function, store):
    form = a_registration()

    responses = [register_users_function(post(form)) for _ in range(2)]

    assert [r["statusCode"] for r in responses] == [303, 303]
    assert len(store.read_stream(f"identity:command-{form['id']}")) == 1


@pytest.mark.parametrize(
    ("fields", "field", "message", "status"),
    [
        ({"email": "not-an-email"}, "email", "Enter a valid email address", 400),
        ({"email": "a" * 250 + "@b.io"}, "email", "at most 254 characters", 400),
        ({"password": "1234567"}, "password", "at least 8 characters", 400),
        ({"password": "x" * 129}, "password", "at most 128 characters", 400),
        ({"email": TAKEN}, "email", "That email address is already taken.", 400),
        ({"email": TAKEN.upper()}, "email", "That email address is already taken.", 400),
        ({"id": "not-a-uuid"}, "id", "This form has expired or was changed", 400),
        ({"id": ""}, "id", "This form has expired or was changed", 400),
    ],
)
def test_bad_input_rerenders_the_form_with_the_message_and_writes_nothing(
    register_users_function, seed_credentials, message_count, fields, field, message, status
):
    seed_credentials(str(uuid.uuid4()), TAKEN, "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA")
    form = a_registration(**fields)

    response = register_users_function(post(form))

    assert response["statusCode"] == status
    assert message in page_text(response)
    assert message_count() == 0
    assert form_value(response, "password") == ""
    if field != "email":
        assert form_value(response, "email") == form["email"]


@pytest.mark.parametrize("missing", ["id", "email", "password"])
def test_a_missing_field_is_400_with_its_message(register_users_function, message_count, missing):
    form = a_registration()
    del form[missing]

    response = register_users_function(post(form))

    assert response["statusCode"] == 400
    expected = {
        "id": "This form has expired or was changed",
        "email": "Enter your email address.",
        "password": "Choose a password.",
    }[missing]
    assert expected in page_text(response)
    assert message_count() == 0


def test_an_empty_post_is_400_with_every_message(register_users_function, message_count):
    response = register_users_function(
        an_api_request(
            "POST", "/register", headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
    )

    assert response["statusCode"] == 400
    text = page_text(response)
    assert "Enter your email address." in text
    assert "Choose a password." in text
    assert message_count() == 0


def test_an_oversized_body_is_413_and_nothing_is_written(register_users_function, message_count):
    response = register_users_function(post(a_registration(password="x" * 20_000)))

    assert response["statusCode"] == 413
    assert "too large" in page_text(response)
    assert message_count() == 0


def test_a_foreign_origin_is_403_and_nothing_is_written(register_users_function, message_count):
    response = register_users_function(post(a_registration(), origin="https://evil.example"))

    assert response["statusCode"] == 403
    assert "sent from another site" in page_text(response)
    assert message_count() == 0


def test_what_the_user_typed_is_escaped_when_shown_again(register_users_function):
    response = register_users_function(post(a_registration(email='"><script>alert(1)</script>')))

    assert response["statusCode"] == 400
    assert "<script>alert(1)" not in response["body"]
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in response["body"]
    assert form_value(response, "email") == '"><script>alert(1)</script>'


def test_a_base64_encoded_form_is_read(register_users_function, store):
    form = a_registration()

    response = register_users_function(post(form, base64_body=True))

    assert response["statusCode"] == 303
    assert len(store.read_stream(f"identity:command-{form['id']}")) == 1


def test_registration_complete_and_the_404_of_the_prefix(register_users_function):
    complete = register_users_function(an_api_request("GET", "/register/registration-complete"))
    unknown = register_users_function(an_api_request("GET", "/register/nope"))

    assert complete["statusCode"] == 200
    assert 'href="/Prod/auth/log-in"' in complete["body"]
    assert unknown["statusCode"] == 404
    assert "Page not found" in page_text(unknown)
