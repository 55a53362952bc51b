"""Event source mappings as the template declares them: what Lambda's poller is told to do.

A SAM function's ``DynamoDB`` event is one mapping, named ``Function/Event``. The settings
are checked as Lambda checks them (ranges, starting positions, response types); what does
not run locally is reported by name. ``FilterCriteria`` are kept as written (resolved): the
pattern language is the pollers' (``devserver.mappings.filters``), which check them at start.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..report import Report
from .intrinsics import Intrinsics
from .loading import TemplateError

_STREAM_SUPPORTED = frozenset(
    {
        "Stream",
        "StartingPosition",
        "BatchSize",
        "MaximumBatchingWindowInSeconds",
        "FilterCriteria",
        "FunctionResponseTypes",
        "BisectBatchOnFunctionError",
        "MaximumRetryAttempts",
        "MaximumRecordAgeInSeconds",
        "DestinationConfig",
        "ParallelizationFactor",
        "Enabled",
    }
)
_STREAM_NO_OPS = frozenset({"KmsKeyArn", "MetricsConfig", "FilterCriteriaKmsKeyArn"})


@dataclass(frozen=True, kw_only=True)
class EventSourceMapping:
    """What every event source mapping has: its function, its source and its batches."""

    #: the mapping's stable name (checkpoints, console): ``Function/Event`` for a SAM event
    name: str
    function_id: str
    source_arn: str
    batch_size: int
    batching_window: float = 0.0
    #: ``{"Filters": [{"Pattern": "…"}]}`` as written, intrinsics resolved (None: no filter)
    filter_criteria: Mapping[str, Any] | None = None
    report_item_failures: bool = False
    enabled: bool = True

    def describe(self) -> str:
        """A short human description of the mapping's settings (for the banner)."""
        return ", ".join(self._description())

    def _description(self) -> list[str]:
        parts = [f"batch {self.batch_size}"]
        if self.batching_window:
            parts.append(f"window {self.batching_window:g}s")
        filters = len((self.filter_criteria or {}).get("Filters") or [])
        if filters:
            parts.append(f"{filters} filter{'s' if filters > 1 else ''}")
        if self.report_item_failures:
            parts.append("partial failures")
        return parts


@dataclass(frozen=True, kw_only=True)
class StreamSource(EventSourceMapping):
    """A mapping on a DynamoDB table's stream."""

    table_id: str | None
    starting_position: str
    bisect_on_error: bool = False
    max_retries: int = -1
    max_record_age: int = -1
    on_failure: str | None = None

    @property
    def stream_arn(self) -> str:
        """The stream's ARN (the mapping's source)."""
        return self.source_arn

    def _description(self) -> list[str]:
        parts = super()._description()
        parts.insert(1, self.starting_position)
        if self.bisect_on_error:
            parts.append("bisect")
        if self.max_retries >= 0:
            parts.append(f"{self.max_retries} retr{'y' if self.max_retries == 1 else 'ies'}")
        if self.max_record_age >= 0:
            parts.append(f"max age {self.max_record_age}s")
        if self.on_failure:
            parts.append(f"on failure → {self.on_failure.rsplit(':', 1)[-1]}")
        return parts


def read_stream_event(
    function_id: str,
    event_name: str,
    properties: Mapping[str, Any],
    intrinsics: Intrinsics,
    report: Report,
) -> StreamSource:
    """A SAM ``DynamoDB`` event of a function."""
    where = f"{function_id}.Events.{event_name}"
    for name in sorted(set(properties) - _STREAM_SUPPORTED - _STREAM_NO_OPS):
        detail = {
            "TumblingWindowInSeconds": "tumbling windows are not run locally",
            "StartingPositionTimestamp": "DynamoDB streams have no AT_TIMESTAMP",
        }.get(name, "not supported locally")
        report.unsupported(where, f"property {name}: {detail} (ignored)")
    stream = properties.get("Stream")
    table_id = None
    if isinstance(stream, dict) and "Fn::GetAtt" in stream:
        argument = stream["Fn::GetAtt"]
        table_id = argument[0] if isinstance(argument, list) else str(argument).split(".")[0]
    resolved = intrinsics.resolve(properties)
    stream_arn = resolved.get("Stream")
    if not isinstance(stream_arn, str) or "/stream/" not in stream_arn:
        raise TemplateError(f"{where}: Stream must be a DynamoDB stream ARN")
    starting = resolved.get("StartingPosition")
    if starting not in ("TRIM_HORIZON", "LATEST"):
        raise TemplateError(f"{where}: StartingPosition must be TRIM_HORIZON or LATEST")
    batch_size = _bounded(where, "BatchSize", resolved.get("BatchSize", 100), 1, 10_000)
    window = _bounded(
        where,
        "MaximumBatchingWindowInSeconds",
        resolved.get("MaximumBatchingWindowInSeconds", 0),
        0,
        300,
    )
    retries = _bounded(
        where, "MaximumRetryAttempts", resolved.get("MaximumRetryAttempts", -1), -1, 10_000
    )
    age = _bounded(
        where,
        "MaximumRecordAgeInSeconds",
        resolved.get("MaximumRecordAgeInSeconds", -1),
        -1,
        604_800,
    )
    if 0 <= age < 60:
        raise TemplateError(f"{where}: MaximumRecordAgeInSeconds must be -1 or 60 to 604800")
    parallelization = _bounded(
        where, "ParallelizationFactor", resolved.get("ParallelizationFactor", 1), 1, 10
    )
    if parallelization > 1:
        report.unsupported(where, f"ParallelizationFactor {parallelization} runs as 1 locally")
    response_types = resolved.get("FunctionResponseTypes") or []
    unknown_types = set(response_types) - {"ReportBatchItemFailures"}
    if unknown_types:
        raise TemplateError(f"{where}: unknown FunctionResponseTypes {sorted(unknown_types)}")
    on_failure = ((resolved.get("DestinationConfig") or {}).get("OnFailure") or {}).get(
        "Destination"
    )
    if on_failure is not None and not re.match(r"arn:aws[\w-]*:(sqs|sns):", str(on_failure)):
        report.unsupported(
            where, f"on-failure destination {on_failure}: only SQS and SNS are supported"
        )
        on_failure = None
    return StreamSource(
        name=f"{function_id}/{event_name}",
        function_id=function_id,
        source_arn=stream_arn,
        table_id=table_id,
        starting_position=starting,
        batch_size=int(batch_size),
        batching_window=float(window),
        filter_criteria=resolved.get("FilterCriteria"),
        report_item_failures="ReportBatchItemFailures" in response_types,
        bisect_on_error=_boolean(resolved.get("BisectBatchOnFunctionError", False)),
        max_retries=int(retries),
        max_record_age=int(age),
        on_failure=on_failure,
        enabled=_boolean(resolved.get("Enabled", True)),
    )


def _bounded(where: str, name: str, value: Any, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise TemplateError(f"{where}: {name} must be a number, not {value!r}") from None
    if not low <= number <= high:
        raise TemplateError(f"{where}: {name} {number} is outside {low}..{high}")
    return number


def _boolean(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)
