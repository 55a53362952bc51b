"""Settings of the message store, read from the environment once."""

from __future__ import annotations

from functools import lru_cache

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The largest message the store accepts: its data and metadata as compact UTF-8 JSON.
#: Well below DynamoDB's 400 KB item limit, so that an item with its attribute names, its
#: index keys and the tagged numbers always fits, and a 1 MB query page holds 15 or more.
MAX_MESSAGE_BYTES = 64 * 1024


class MessageStoreSettings(BaseSettings):
    """Where the store's AWS endpoint is and how its category index is partitioned.

    ``CATEGORY_PARTITIONS`` must match the ``CategoryPartitions`` parameter the table's
    messages were written with; it may grow over the table's life, never shrink.
    """

    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    aws_endpoint_url: str | None = Field(default=None)
    aws_region: str = Field(
        default="us-east-1", validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION")
    )
    category_partitions: int = Field(default=4, ge=1, le=64)
    settle_window_seconds: float = Field(default=5.0, ge=0.0, le=3600.0)
    append_attempts: int = Field(default=20, ge=1, le=100)


@lru_cache(maxsize=1)
def message_store_settings() -> MessageStoreSettings:
    """The settings of this process (validated once, at first use)."""
    return MessageStoreSettings()
