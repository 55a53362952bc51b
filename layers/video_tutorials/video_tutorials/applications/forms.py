"""The site's forms: what a valid field is, and the sentence shown when it is not."""

from __future__ import annotations

import re
import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from .passwords import MAX_LENGTH, MIN_LENGTH

EMAIL_MAX_LENGTH = 254
EMAIL_LOCAL_MAX_LENGTH = 64
# WHATWG's definition of a valid email address (what browsers check), with a dot required in
# the domain: an address that mail can be delivered to on the Internet.
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+"
)


def check_email(value: str) -> str:
    """The address, trimmed, or a ``PydanticCustomError`` with the sentence to show."""
    email = value.strip()
    if not email:
        raise PydanticCustomError("email_missing", "Enter your email address.")
    if len(email) > EMAIL_MAX_LENGTH:
        raise PydanticCustomError(
            "email_too_long", f"An email address has at most {EMAIL_MAX_LENGTH} characters."
        )
    local = email.rpartition("@")[0]
    if not _EMAIL.fullmatch(email) or len(local) > EMAIL_LOCAL_MAX_LENGTH:
        raise PydanticCustomError(
            "email_invalid", "Enter a valid email address, like name@example.com."
        )
    return email


def check_password(value: str, *, missing: str, too_short: str, too_long: str) -> str:
    """The password if it has 8 to 128 characters, else the sentence for what is wrong."""
    if not value:
        raise PydanticCustomError("password_missing", missing)
    if len(value) < MIN_LENGTH:
        raise PydanticCustomError("password_too_short", too_short)
    if len(value) > MAX_LENGTH:
        raise PydanticCustomError("password_too_long", too_long)
    return value


def check_uuid(value: str) -> str:
    """A UUID in its canonical form (lower case, hyphens)."""
    try:
        return str(uuid.UUID(value.strip()))
    except (ValueError, AttributeError) as exc:
        raise PydanticCustomError("uuid", "not a UUID") from exc


class RegistrationForm(BaseModel):
    """``POST /register``: a new user's id (from the form), email and password."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    user_id: Annotated[str, Field(alias="id")]
    email: str
    password: str

    @field_validator("user_id")
    @classmethod
    def _user_id(cls, value: str) -> str:
        try:
            return check_uuid(value)
        except PydanticCustomError as exc:
            raise PydanticCustomError(
                "form_expired",
                "This form has expired or was changed. Please send it again.",
            ) from exc

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return check_email(value)

    @field_validator("password")
    @classmethod
    def _password(cls, value: str) -> str:
        return check_password(
            value,
            missing="Choose a password.",
            too_short=f"Choose a password of at least {MIN_LENGTH} characters.",
            too_long=f"A password has at most {MAX_LENGTH} characters.",
        )


class LogInForm(BaseModel):
    """``POST /auth/log-in``: email and password.

    A password outside 8 to 128 characters cannot be anyone's, so it is refused as invalid
    input (400) before any user is looked up: the answer tells nothing about the accounts.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    email: str
    password: str

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return check_email(value)

    @field_validator("password")
    @classmethod
    def _password(cls, value: str) -> str:
        return check_password(
            value,
            missing="Enter your password.",
            too_short=f"Passwords have at least {MIN_LENGTH} characters.",
            too_long=f"Passwords have at most {MAX_LENGTH} characters.",
        )
