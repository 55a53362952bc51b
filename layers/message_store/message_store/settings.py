"""Settings read from the environment once: the message store's, and the base of every
function's (``EnvironmentSettings``). The one place that reads ``os.environ``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from typing import Self

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

#: The largest message the store accepts: its data and metadata as compact UTF-8 JSON.
#: Well below DynamoDB's 400 KB item limit, so that an item with its attribute names, its
#: index keys and the tagged numbers always fits, and a 1 MB query page holds 15 or more.
MAX_MESSAGE_BYTES = 64 * 1024


class EnvironmentSettings(BaseModel):
    """A pydantic model of environment variables: a field reads the variable of its name in
    any case (``message_store_table`` ← ``MESSAGE_STORE_TABLE``); an empty one is unset.

    Plain pydantic (pydantic-settings cost every function about 60 ms of cold start).
    """

    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Self:
        """The settings of ``environ`` (default: this process's environment), validated."""
        source = os.environ if environ is None else environ
        return cls.model_validate({name.lower(): value for name, value in source.items() if value})


class MessageStoreSettings(EnvironmentSettings):
    """Where the store's AWS endpoint is and how its category index is partitioned.

    ``CATEGORY_PARTITIONS`` must match the ``CategoryPartitions`` parameter the table's
    messages were written with; it may grow over the table's life, never shrink.
    """

    aws_endpoint_url: str | None = Field(default=None)
    #: the Lambda API's own endpoint, when it is not ``AWS_ENDPOINT_URL``'s (the devserver's)
    aws_endpoint_url_lambda: str | None = Field(default=None)
    aws_region: str = Field(
        default="us-east-1", validation_alias=AliasChoices("aws_region", "aws_default_region")
    )
    category_partitions: int = Field(default=4, ge=1, le=64)
    settle_window_seconds: float = Field(default=5.0, ge=0.0, le=3600.0)
    append_attempts: int = Field(default=20, ge=1, le=100)


@lru_cache(maxsize=1)
def message_store_settings() -> MessageStoreSettings:
    """The settings of this process (validated once, at first use)."""
    return MessageStoreSettings.from_environment()
