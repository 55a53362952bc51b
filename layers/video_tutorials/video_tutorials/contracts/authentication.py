"""Logging in: ``authentication-{userId}``, written by the authenticate application."""

from __future__ import annotations

from message_store import stream_name

from ._base import Contract

CATEGORY = "authentication"


def authentication_stream(user_id: str) -> str:
    return stream_name(CATEGORY, user_id)


class UserLoggedIn(Contract):
    category = CATEGORY

    user_id: str


class UserLoginFailed(Contract):
    category = CATEGORY

    user_id: str
    reason: str
