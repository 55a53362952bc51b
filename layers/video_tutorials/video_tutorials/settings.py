"""One settings model per function, read from the environment once, at cold start.

Only this module (through ``EnvironmentSettings``) reads the environment. ``template.yaml``
sets the variables; the devserver sets the same ones locally.
"""

from __future__ import annotations

import json
from datetime import timedelta

from pydantic import Field, SecretStr

from message_store.settings import EnvironmentSettings

from .log_in_limits import MAX_FAILURES_REMEMBERED, LogInLimits


class FunctionSettings(EnvironmentSettings):
    """What every function has: the stage, the site's URL, the message store."""

    stage: str = "dev"
    site_url: str = "http://127.0.0.1:3000"
    message_store_table: str = Field(min_length=1)

    @property
    def is_local(self) -> bool:
        """True on a developer's machine (the devserver passes ``Stage=local``)."""
        return self.stage == "local"


class ApplicationSettings(FunctionSettings):
    """An application: its session secret (the value locally, or a Secrets Manager ARN)."""

    session_secret: SecretStr | None = None
    session_secret_arn: str | None = None
    max_body_bytes: int = Field(default=16 * 1024, ge=1024)
    #: comma-separated addresses (the template's ``AdminEmails``); empty: nobody is an admin
    admin_emails: str = ""
    #: failed log-ins in a row that lock an account, within this many seconds (log_in_limits)
    log_in_failures_allowed: int = Field(default=5, ge=1, le=MAX_FAILURES_REMEMBERED)
    log_in_lock_seconds: int = Field(default=15 * 60, ge=1, le=24 * 3600)

    @property
    def admins(self) -> frozenset[str]:
        """The admins' addresses, trimmed and lower-cased."""
        return frozenset(
            email.strip().lower() for email in self.admin_emails.split(",") if email.strip()
        )

    @property
    def log_in_limits(self) -> LogInLimits:
        """How many failed log-ins within how long lock an account."""
        return LogInLimits(
            failures=self.log_in_failures_allowed,
            window=timedelta(seconds=self.log_in_lock_seconds),
        )


class HomeSettings(ApplicationSettings):
    home_page_view_table: str = Field(min_length=1)
    #: seconds an instance shows a copy of a page before reading it again (0: every time)
    home_page_copy_seconds: float = Field(default=0.0, ge=0.0, le=60.0)


class CreatorsPortalSettings(ApplicationSettings):
    creators_videos_view_table: str = Field(min_length=1)
    video_operations_view_table: str = Field(min_length=1)
    videos_bucket: str = Field(min_length=3)


class AdminSettings(ApplicationSettings):
    """The admin application: what it reads, the consumers' resources."""

    admin_users_view_table: str = Field(min_length=1)
    admin_streams_view_table: str = Field(min_length=1)
    admin_categories_view_table: str = Field(min_length=1)
    skipped_messages_table: str = Field(min_length=1)
    consumer_progress_table: str = Field(min_length=1)
    #: ``{logicalId: physicalId}`` of the consumers' queues and functions (JSON)
    consumer_resources: str = "{}"


class RegisterUsersSettings(ApplicationSettings):
    user_credentials_view_table: str = Field(min_length=1)


class AuthenticateSettings(ApplicationSettings):
    user_credentials_view_table: str = Field(min_length=1)


class ConsumerSettings(FunctionSettings):
    """A consumer: where it records the messages it skips as invalid, and how far it read."""

    skipped_messages_table: str = Field(min_length=1)
    consumer_progress_table: str = Field(min_length=1)


class IdentityComponentSettings(ConsumerSettings):
    pass


class SendEmailComponentSettings(ConsumerSettings):
    email_sender: str = Field(min_length=3)


class HomePageAggregatorSettings(ConsumerSettings):
    home_page_view_table: str = Field(min_length=1)


class HomePageRollupSettings(EnvironmentSettings):
    """The home-page roll-up: the view table it reads (its stream) and writes."""

    home_page_view_table: str = Field(min_length=1)


class UserCredentialsAggregatorSettings(ConsumerSettings):
    user_credentials_view_table: str = Field(min_length=1)


class VideoPublishingComponentSettings(ConsumerSettings):
    videos_bucket: str = Field(min_length=3)


class CreatorsVideosAggregatorSettings(ConsumerSettings):
    creators_videos_view_table: str = Field(min_length=1)


class VideoOperationsAggregatorSettings(ConsumerSettings):
    video_operations_view_table: str = Field(min_length=1)


class AdminUsersAggregatorSettings(ConsumerSettings):
    admin_users_view_table: str = Field(min_length=1)


class AdminStreamsAggregatorSettings(ConsumerSettings):
    admin_streams_view_table: str = Field(min_length=1)
    admin_categories_view_table: str = Field(min_length=1)


class RelaySettings(ConsumerSettings):
    message_topic_arn: str = Field(min_length=1)


class RebuildSettings(FunctionSettings):
    """The rebuild function: every view's tables and every aggregator's function, by
    logical id (``STACK_RESOURCES``, JSON), and where cursors and skipped messages go."""

    skipped_messages_table: str = Field(min_length=1)
    consumer_progress_table: str = Field(min_length=1)
    stack_resources: str = Field(min_length=2)

    @property
    def resources(self) -> dict[str, str]:
        """``{logical id: physical id}`` of what the function rebuilds and pauses."""
        resources = json.loads(self.stack_resources)
        return {
            **resources,
            "MessageStoreTable": self.message_store_table,
            "SkippedMessagesTable": self.skipped_messages_table,
            "ConsumerProgressTable": self.consumer_progress_table,
        }
