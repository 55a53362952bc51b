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

    #: every SDK client's endpoint: ``SDK_ENDPOINT_URL`` (the template's ``EndpointUrl``, which
    #: ``sam local --env-vars`` can set) first, else ``AWS_ENDPOINT_URL`` (the devserver's,
    #: LocalStack's); empty means unset, so an empty ``EndpointUrl`` leaves AWS's own endpoints
    aws_endpoint_url: str | None = Field(
        default=None, validation_alias=AliasChoices("sdk_endpoint_url", "aws_endpoint_url")
    )
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


class ObservabilitySettings(EnvironmentSettings):
    """Whether this process runs where X-Ray traces are recorded (Powertools' own rule).

    Tracing is on in Lambda (``LAMBDA_TASK_ROOT``) unless ``POWERTOOLS_TRACE_DISABLED`` is
    true or the function runs under ``sam local`` or the devserver (``AWS_SAM_LOCAL``): there
    no X-Ray daemon listens, and the X-Ray SDK is not worth its import.
    """

    lambda_task_root: str | None = None
    aws_sam_local: bool = False
    powertools_trace_disabled: bool = False
    #: where the metrics go (EMF): the template sets it per stack
    powertools_metrics_namespace: str | None = None

    @property
    def tracing(self) -> bool:
        """Whether X-Ray tracing is recorded here."""
        return (
            self.lambda_task_root is not None
            and not self.aws_sam_local
            and not self.powertools_trace_disabled
        )


@lru_cache(maxsize=1)
def observability_settings() -> ObservabilitySettings:
    """The observability settings of this process (validated once, at first use)."""
    return ObservabilitySettings.from_environment()
