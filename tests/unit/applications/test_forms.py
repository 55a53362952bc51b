"""The forms' rules and the sentences shown when a field breaks them."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from video_tutorials.applications.forms import LogInForm, RegistrationForm
from webglue import field_errors

USER_ID = "0b6a8c1e-3f2d-4c5b-9a7e-1d2c3b4a5f60"


def registration_errors(**fields: str) -> dict[str, str]:
    values = {"id": USER_ID, "email": "ada@example.com", "password": "long enough"} | fields
    try:
        RegistrationForm.model_validate(values)
    except ValidationError as exc:
        return field_errors(exc)
    return {}


@pytest.mark.parametrize(
    "email",
    ["ada@example.com", "  Ada.Lovelace+videos@Example.co.uk ", "a@b.io", "o'brien@example.ie"],
)
def test_valid_emails(email):
    assert registration_errors(email=email) == {}


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Enter your email address."),
        ("   ", "Enter your email address."),
        ("ada", "Enter a valid email address, like name@example.com."),
        ("ada@localhost", "Enter a valid email address, like name@example.com."),
        ("ada@@example.com", "Enter a valid email address, like name@example.com."),
        ("ada lovelace@example.com", "Enter a valid email address, like name@example.com."),
        ("<script>@example.com", "Enter a valid email address, like name@example.com."),
        ("ada@-example.com", "Enter a valid email address, like name@example.com."),
        ("a" * 65 + "@example.com", "Enter a valid email address, like name@example.com."),
        ("a" * 60 + "@" + "b" * 190 + ".com", "An email address has at most 254 characters."),
    ],
)
def test_invalid_emails(email, message):
    assert registration_errors(email=email) == {"email": message}


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("", "Choose a password."),
        ("1234567", "Choose a password of at least 8 characters."),
        ("x" * 129, "A password has at most 128 characters."),
    ],
)
def test_invalid_passwords(password, message):
    assert registration_errors(password=password) == {"password": message}


def test_passwords_of_8_and_128_characters_are_valid_and_kept_as_typed():
    assert registration_errors(password="12345678") == {}
    assert registration_errors(password="x" * 128) == {}
    form = RegistrationForm.model_validate(
        {"id": USER_ID, "email": "a@b.io", "password": "  spaced  "}
    )
    assert form.password == "  spaced  "


@pytest.mark.parametrize("user_id", ["", "not-a-uuid", "0b6a8c1e-3f2d-4c5b-9a7e"])
def test_an_id_that_is_not_a_uuid_means_the_form_expired(user_id):
    assert registration_errors(id=user_id) == {
        "id": "This form has expired or was changed. Please send it again."
    }


def test_ids_are_canonical():
    form = RegistrationForm.model_validate(
        {"id": USER_ID.upper(), "email": "a@b.io", "password": "12345678"}
    )
    assert form.user_id == USER_ID


def test_every_invalid_field_has_its_message():
    assert set(registration_errors(id="", email="", password="")) == {"id", "email", "password"}


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("", "Enter your password."),
        ("short", "Passwords have at least 8 characters."),
        ("x" * 129, "Passwords have at most 128 characters."),
    ],
)
def test_log_in_passwords(password, message):
    with pytest.raises(ValidationError) as raised:
        LogInForm.model_validate({"email": "ada@example.com", "password": password})
    assert field_errors(raised.value) == {"password": message}
