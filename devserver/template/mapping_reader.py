"""Reading event source mappings from the template, checked as Lambda checks them.

Two ways to declare one: a SAM function's ``Events`` of ``Type: DynamoDB`` or ``Type: SQS``
(named ``Function/Event``), or an ``AWS::Lambda::EventSourceMapping`` resource (named by its
logical id; ``FunctionName`` a ``!Ref``/``!GetAtt`` of a function, its name or its ARN;
``EventSourceArn`` a table's ``StreamArn`` or a queue's ``Arn``). Settings Lambda would
refuse (a batch size out of range, a stream setting on a queue, a batching window on a FIFO
queue …) fail the start, naming the mapping; settings that do not run locally are
reported by name; operational ones (KMS keys, metrics, tags) are accepted silently.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..report import Report
from .event_sources import EventSourceMapping, QueueSource, StreamSource
from .functions import FunctionSpec
from .intrinsics import Intrinsics
from .loading import TemplateError

_COMMON = frozenset(
    {
        "BatchSize",
        "MaximumBatchingWindowInSeconds",
        "FilterCriteria",
        "FunctionResponseTypes",
        "Enabled",
    }
)
_STREAM_ONLY = frozenset(
    {
        "StartingPosition",
        "BisectBatchOnFunctionError",
        "MaximumRetryAttempts",
        "MaximumRecordAgeInSeconds",
        "DestinationConfig",
        "ParallelizationFactor",
    }
)
_QUEUE_ONLY = frozenset({"ScalingConfig"})
# Accepted without effect: encryption, metrics, logging and tags change nothing locally.
_NO_OPS = frozenset(
    {
        "KmsKeyArn",
        "MetricsConfig",
        "FilterCriteriaKmsKeyArn",
        "Tags",
        "LoggingConfig",
        "ProvisionedPollerConfig",
    }
)
_NOT_RUN = {
    "TumblingWindowInSeconds": "tumbling windows are not run locally",
    "StartingPositionTimestamp": "DynamoDB streams have no AT_TIMESTAMP",
}


def read_sam_event(
    event_type: str,
    function_id: str,
    event_name: str,
    properties: Mapping[str, Any],
    intrinsics: Intrinsics,
    report: Report,
) -> EventSourceMapping:
    """A SAM function's ``DynamoDB`` or ``SQS`` event (``event_type`` in ``SAM_EVENT_TYPES``)."""
    source_property, read = _SAM_EVENTS[event_type]
    where = f"{function_id}.Events.{event_name}"
    _report_unknown(
        where, properties, {source_property} | _COMMON | _STREAM_ONLY | _QUEUE_ONLY, report
    )
    resolved = intrinsics.resolve(properties)
    return read(
        where,
        name=f"{function_id}/{event_name}",
        function_id=function_id,
        source_arn=resolved.get(source_property),
        source_id=_get_att_target(properties.get(source_property)),
        resolved=resolved,
        report=report,
    )


def read_mapping_resource(
    logical_id: str,
    properties: Mapping[str, Any],
    functions: Mapping[str, FunctionSpec],
    intrinsics: Intrinsics,
    report: Report,
) -> EventSourceMapping:
    """An ``AWS::Lambda::EventSourceMapping`` resource (on a stream or a queue)."""
    where = f"{logical_id} (event source mapping)"
    function_id = _function_of(where, properties.get("FunctionName"), functions, intrinsics)
    resolved = intrinsics.resolve(properties)
    source_arn = resolved.get("EventSourceArn")
    service = source_arn.split(":")[2] if isinstance(source_arn, str) and ":" in source_arn else ""
    if service not in ("dynamodb", "sqs"):
        raise TemplateError(
            f"{where}: EventSourceArn {source_arn!r}: only DynamoDB streams and SQS queues "
            "run locally"
        )
    known = {"FunctionName", "EventSourceArn"} | _COMMON | _STREAM_ONLY | _QUEUE_ONLY
    _report_unknown(where, properties, known, report)
    read = _stream_source if service == "dynamodb" else _queue_source
    return read(
        where,
        name=logical_id,
        function_id=function_id,
        source_arn=source_arn,
        source_id=_get_att_target(properties.get("EventSourceArn")),
        resolved=resolved,
        report=report,
    )


def _stream_source(
    where: str,
    *,
    name: str,
    function_id: str,
    source_arn: Any,
    source_id: str | None,
    resolved: Mapping[str, Any],
    report: Report,
) -> StreamSource:
    if not isinstance(source_arn, str) or "/stream/" not in source_arn:
        raise TemplateError(f"{where}: the source must be a DynamoDB stream ARN")
    queue_settings = sorted(set(resolved) & _QUEUE_ONLY)
    if queue_settings:
        raise TemplateError(f"{where}: {', '.join(queue_settings)}: not for streams")
    starting = resolved.get("StartingPosition")
    if starting not in ("TRIM_HORIZON", "LATEST"):
        raise TemplateError(f"{where}: StartingPosition must be TRIM_HORIZON or LATEST")
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
    on_failure = ((resolved.get("DestinationConfig") or {}).get("OnFailure") or {}).get(
        "Destination"
    )
    if on_failure is not None and not re.match(r"arn:aws[\w-]*:(sqs|sns):", str(on_failure)):
        report.unsupported(
            where, f"on-failure destination {on_failure}: only SQS and SNS are supported"
        )
        on_failure = None
    return StreamSource(
        name=name,
        function_id=function_id,
        source_arn=source_arn,
        table_id=source_id,
        starting_position=starting,
        batch_size=_bounded(where, "BatchSize", resolved.get("BatchSize", 100), 1, 10_000),
        batching_window=float(_window(where, resolved)),
        filter_criteria=resolved.get("FilterCriteria"),
        report_item_failures=_report_item_failures(where, resolved),
        bisect_on_error=_boolean(resolved.get("BisectBatchOnFunctionError", False)),
        max_retries=retries,
        max_record_age=age,
        on_failure=on_failure,
        enabled=_boolean(resolved.get("Enabled", True)),
    )


def _queue_source(
    where: str,
    *,
    name: str,
    function_id: str,
    source_arn: Any,
    source_id: str | None,
    resolved: Mapping[str, Any],
    report: Report,
) -> QueueSource:
    if not isinstance(source_arn, str) or ":sqs:" not in source_arn:
        raise TemplateError(f"{where}: the source must be an SQS queue ARN")
    stream_settings = sorted(set(resolved) & _STREAM_ONLY)
    if stream_settings:
        raise TemplateError(
            f"{where}: {', '.join(stream_settings)}: Lambda takes these for streams, not queues "
            "(a queue's failed messages go to its RedrivePolicy's dead-letter queue)"
        )
    fifo = source_arn.endswith(".fifo")
    window = _window(where, resolved)
    batch_size = _bounded(
        where, "BatchSize", resolved.get("BatchSize", 10), 1, 10 if fifo else 10_000
    )
    if fifo and window:
        raise TemplateError(f"{where}: MaximumBatchingWindowInSeconds: not for FIFO queues")
    if batch_size > 10 and window < 1:
        raise TemplateError(
            f"{where}: a BatchSize above 10 needs MaximumBatchingWindowInSeconds of 1 or more"
        )
    scaling = resolved.get("ScalingConfig") or {}
    concurrency = scaling.get("MaximumConcurrency")
    if concurrency is not None:
        concurrency = _bounded(where, "ScalingConfig.MaximumConcurrency", concurrency, 2, 1000)
    return QueueSource(
        name=name,
        function_id=function_id,
        source_arn=source_arn,
        queue_id=source_id,
        batch_size=batch_size,
        batching_window=float(window),
        filter_criteria=resolved.get("FilterCriteria"),
        report_item_failures=_report_item_failures(where, resolved),
        enabled=_boolean(resolved.get("Enabled", True)),
        maximum_concurrency=concurrency,
    )


_SAM_EVENTS = {"DynamoDB": ("Stream", _stream_source), "SQS": ("Queue", _queue_source)}
#: the SAM event types that are event source mappings
SAM_EVENT_TYPES = frozenset(_SAM_EVENTS)


def _function_of(
    where: str, value: Any, functions: Mapping[str, FunctionSpec], intrinsics: Intrinsics
) -> str:
    """The logical id of the function a raw mapping's ``FunctionName`` names."""
    if isinstance(value, dict) and len(value) == 1:
        ((key, argument),) = value.items()
        target = argument if key == "Ref" else _get_att_target(value)
        if isinstance(target, str) and target in functions:
            return target
    name = intrinsics.resolve(value)
    for logical_id, spec in functions.items():
        if name in (spec.name, spec.arn) or (
            isinstance(name, str) and name.endswith(f":function:{spec.name}")
        ):
            return logical_id
    raise TemplateError(f"{where}: FunctionName {name!r} is not a function the devserver runs")


def _get_att_target(value: Any) -> str | None:
    """The logical id a ``!GetAtt`` points at (None for anything else)."""
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        argument = value["Fn::GetAtt"]
        return argument[0] if isinstance(argument, list) else str(argument).split(".")[0]
    return None


def _report_unknown(
    where: str, properties: Mapping[str, Any], known: frozenset[str] | set[str], report: Report
) -> None:
    for name in sorted(set(properties) - set(known) - _NO_OPS):
        detail = _NOT_RUN.get(name, "not supported locally")
        report.unsupported(where, f"property {name}: {detail} (ignored)")


def _window(where: str, resolved: Mapping[str, Any]) -> int:
    return _bounded(
        where,
        "MaximumBatchingWindowInSeconds",
        resolved.get("MaximumBatchingWindowInSeconds", 0),
        0,
        300,
    )


def _report_item_failures(where: str, resolved: Mapping[str, Any]) -> bool:
    response_types = resolved.get("FunctionResponseTypes") or []
    unknown_types = set(response_types) - {"ReportBatchItemFailures"}
    if unknown_types:
        raise TemplateError(f"{where}: unknown FunctionResponseTypes {sorted(unknown_types)}")
    return "ReportBatchItemFailures" in response_types


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
