"""What the applications need from the store and the views (fakes implement the same)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # types only: each application loads the views it uses, no others
    from collections.abc import Sequence

    from message_store import Message, StoredMessage
    from message_store.progress import Progress
    from message_store.registry import Consumer
    from message_store.skips import SkippedMessage

    from ..dead_letters import DeadLetterDepth
    from ..redrive import Outcome
    from ..storage import Upload
    from ..views.admin_streams import CategorySummary, StreamSummary
    from ..views.admin_users import AdminUser
    from ..views.creators_videos import CreatorsVideo
    from ..views.home_page import Confirmation, HomePage, VideoSummary
    from ..views.paging import Page
    from ..views.user_credentials import UserCredentials
    from ..views.video_operations import VideoOperation


class MessageWriter(Protocol):
    def write(
        self, stream_name: str, message: Message, expected_version: int | None = None
    ) -> int: ...


class MessageStream(MessageWriter, Protocol):
    def read_stream(
        self, stream_name: str, from_position: int = 0, max_messages: int = 1000
    ) -> list[Message]: ...


class AuthenticationStreams(MessageWriter, Protocol):
    """What the authenticate application needs of the store: write, and read a stream's end."""

    def read_stream(
        self, stream_name: str, from_position: int = 0, max_messages: int = 1000
    ) -> list[StoredMessage]: ...

    def read_last_message(self, stream_name: str) -> StoredMessage | None: ...


class AppliedPositions(Protocol):
    def has_applied(self, key: str, stream_name: str, position: int) -> bool: ...


class HomePageSource(Protocol):
    def home_page(self, *, after: str | None = None, consistent: bool = False) -> HomePage: ...

    def get(self, key: str) -> VideoSummary | None: ...

    def confirmation(self, stream_name: str) -> Confirmation | None: ...

    def views_of(self, video_ids: Sequence[str]) -> dict[str, int]: ...


class CreatorsVideosSource(AppliedPositions, Protocol):
    def videos_of(self, owner_id: str, limit: int = 200) -> list[CreatorsVideo]: ...

    def get(self, key: str) -> CreatorsVideo | None: ...


class VideoOperationsSource(Protocol):
    def get(self, key: str) -> VideoOperation | None: ...


class VideoStore(Protocol):
    bucket: str

    def bucket_origin(self) -> str: ...

    def presigned_upload(self, owner_id: str, video_id: str, redirect_url: str) -> Upload: ...

    def inspect(self, source_uri: str, owner_id: str, video_id: str) -> str: ...

    def playback_url(self, uri: str) -> str | None: ...


class CredentialsByEmail(AppliedPositions, Protocol):
    def find_by_email(self, email: str) -> UserCredentials | None: ...

    def get(self, key: str) -> UserCredentials | None: ...

    def get_if_applied(
        self, key: str, stream_name: str, position: int
    ) -> tuple[bool, UserCredentials | None]: ...


class AdminMessages(Protocol):
    """The message store as the admin pages read it."""

    def read_stream(
        self, stream_name: str, from_position: int = 0, max_messages: int = 1000
    ) -> list[StoredMessage]: ...

    def read_latest(
        self,
        categories: list[str],
        before_global_position: str | None = None,
        max_messages: int = 50,
    ) -> list[StoredMessage]: ...

    def read_trace(self, trace_id: str, max_messages: int = 1000) -> list[StoredMessage]: ...


class AdminUsersSource(Protocol):
    def users(self, after: str | None = None, limit: int = 50) -> Page[AdminUser]: ...

    def get(self, key: str) -> AdminUser | None: ...


class AdminStreamsSource(Protocol):
    def streams(self, after: str | None = None, limit: int = 50) -> Page[StreamSummary]: ...

    def streams_of(
        self, category: str, after: str | None = None, limit: int = 50
    ) -> Page[StreamSummary]: ...

    def categories(self) -> list[CategorySummary]: ...


class ConsumerProgressSource(Protocol):
    def get(self, consumer: str) -> Progress | None: ...


class SkippedMessagesSource(Protocol):
    def skipped(self, consumer: str, limit: int = 100) -> list[SkippedMessage]: ...


class DeadLettersSource(Protocol):
    def depth(self, consumer: Consumer) -> DeadLetterDepth | None: ...

    def redrive(self, consumer: Consumer) -> tuple[Outcome, list[str]]: ...
