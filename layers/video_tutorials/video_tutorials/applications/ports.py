"""What the applications need from the store and the views (fakes implement the same)."""

from __future__ import annotations

from typing import Protocol

from message_store import Message

from ..views.home_page import HomePage
from ..views.user_credentials import UserCredentials


class MessageWriter(Protocol):
    def write(
        self, stream_name: str, message: Message, expected_version: int | None = None
    ) -> int: ...


class MessageStream(MessageWriter, Protocol):
    def read_stream(
        self, stream_name: str, from_position: int = 0, max_messages: int = 1000
    ) -> list[Message]: ...


class AppliedPositions(Protocol):
    def has_applied(self, key: str, stream_name: str, position: int) -> bool: ...


class HomePageSource(AppliedPositions, Protocol):
    def home_page(self, *, consistent: bool = False) -> HomePage: ...


class CredentialsByEmail(AppliedPositions, Protocol):
    def find_by_email(self, email: str) -> UserCredentials | None: ...

    def get(self, key: str) -> UserCredentials | None: ...
