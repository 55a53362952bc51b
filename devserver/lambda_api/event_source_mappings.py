"""``ListEventSourceMappings``, ``GetEventSourceMapping`` and ``UpdateEventSourceMapping``.

Each mapping is described as Lambda describes it: its ``UUID`` (stable per mapping name),
``FunctionArn``, ``EventSourceArn``, ``State``, batch settings, ``FunctionResponseTypes``,
``FilterCriteria``, ``DestinationConfig`` … and ``LastModified``. An update may set
``Enabled``: the mapping goes ``Disabling`` → ``Disabled`` once its poller has finished the
batch it is delivering (a stream mapping keeps its checkpoint, a queue keeps its
messages), and ``Enabling`` → ``Enabled``, taking up where it stopped. Other settings are
the template's: an update of one is refused with ``InvalidParameterValueException``.
"""

from __future__ import annotations

from typing import Any

from ..mappings import EventSourceMappings
from ..mappings.poller import Poller
from ..template.event_sources import QueueSource, StreamSource
from .functions import find_function
from .responses import ApiResponse, invalid, json_response, not_found

_PAGE = 100


def configuration(poller: Poller) -> dict[str, Any]:
    """A mapping as ``GetEventSourceMapping`` returns it."""
    mapping = poller.mapping
    function_arn = poller.spec.arn
    region, account = function_arn.split(":")[3:5]
    document: dict[str, Any] = {
        "UUID": mapping.uuid,
        "BatchSize": mapping.batch_size,
        "MaximumBatchingWindowInSeconds": int(mapping.batching_window),
        "EventSourceArn": mapping.source_arn,
        "FunctionArn": function_arn,
        "LastModified": poller.last_modified,
        "State": poller.state,
        "StateTransitionReason": "USER_INITIATED",
        "FunctionResponseTypes": (
            ["ReportBatchItemFailures"] if mapping.report_item_failures else []
        ),
        "EventSourceMappingArn": (
            f"arn:aws:lambda:{region}:{account}:event-source-mapping:{mapping.uuid}"
        ),
    }
    if mapping.filter_criteria:
        document["FilterCriteria"] = mapping.filter_criteria
    if isinstance(mapping, StreamSource):
        document.update(
            {
                "StartingPosition": mapping.starting_position,
                "ParallelizationFactor": 1,
                "BisectBatchOnFunctionError": mapping.bisect_on_error,
                "MaximumRetryAttempts": mapping.max_retries,
                "MaximumRecordAgeInSeconds": mapping.max_record_age,
                "LastProcessingResult": "OK",
            }
        )
        if mapping.on_failure:
            document["DestinationConfig"] = {"OnFailure": {"Destination": mapping.on_failure}}
    if isinstance(mapping, QueueSource) and mapping.maximum_concurrency is not None:
        document["ScalingConfig"] = {"MaximumConcurrency": mapping.maximum_concurrency}
    return document


def list_mappings(service: EventSourceMappings, query: dict[str, str]) -> ApiResponse:
    """``ListEventSourceMappings``, filtered by ``FunctionName`` and ``EventSourceArn``."""
    pollers = service.pollers
    if "FunctionName" in query:
        function_id = find_function(service.functions, query["FunctionName"])
        if function_id is None:
            return not_found(f"Function not found: {query['FunctionName']}")
        pollers = [p for p in pollers if p.mapping.function_id == function_id]
    if "EventSourceArn" in query:
        pollers = [p for p in pollers if p.mapping.source_arn == query["EventSourceArn"]]
    try:
        start = int(query.get("Marker") or 0)
        size = min(int(query.get("MaxItems") or _PAGE), _PAGE)
    except ValueError:
        return invalid("Marker and MaxItems are numbers")
    page = pollers[start : start + size]
    document: dict[str, Any] = {"EventSourceMappings": [configuration(p) for p in page]}
    if start + size < len(pollers):
        document["NextMarker"] = str(start + size)
    return json_response(200, document)


def get_mapping(service: EventSourceMappings, mapping_uuid: str) -> ApiResponse:
    """``GetEventSourceMapping``."""
    poller = service.by_uuid(mapping_uuid)
    if poller is None:
        return not_found(f"The resource you requested does not exist. (UUID {mapping_uuid})")
    return json_response(200, configuration(poller), poller.spec.logical_id)


def update_mapping(
    service: EventSourceMappings, mapping_uuid: str, request: dict[str, Any]
) -> ApiResponse:
    """``UpdateEventSourceMapping`` (``Enabled``; the other settings are the template's)."""
    poller = service.by_uuid(mapping_uuid)
    if poller is None:
        return not_found(f"The resource you requested does not exist. (UUID {mapping_uuid})")
    others = sorted(set(request) - {"Enabled", "UUID"})
    if others:
        return invalid(
            f"{', '.join(others)}: only Enabled can be updated locally "
            "(the other settings come from the template)"
        )
    if "Enabled" in request:
        if not isinstance(request["Enabled"], bool):
            return invalid("Enabled is true or false")
        poller.set_enabled(request["Enabled"])
    return json_response(202, configuration(poller), poller.spec.logical_id)
