"""``Invoke``: run one function, as ``sam local start-lambda`` and Lambda answer it.

``RequestResponse`` (the default) answers 200 with the handler's result; a handler error
also answers 200, with ``X-Amz-Function-Error: Unhandled`` and Lambda's error document.
``Event`` runs the function on a thread of its own and answers 202 at once; ``DryRun``
answers 204. ``X-Amz-Log-Type: Tail`` returns the last 4 KB of the function's log in
``X-Amz-Log-Result`` (base64). An unknown function is a 404 ``ResourceNotFoundException``.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from ..runtime import Runtime
from .functions import find_function
from .responses import ApiResponse, invalid, not_found

_LOG_TAIL_BYTES = 4096


def invoke(
    runtime: Runtime,
    name: str,
    payload: bytes,
    *,
    invocation_type: str = "RequestResponse",
    log_type: str = "None",
) -> ApiResponse:
    """Invoke the function ``name`` with ``payload`` (JSON) as Lambda's ``Invoke`` does."""
    function_id = find_function(runtime.functions, name)
    if function_id is None:
        return not_found(f"Function not found: {name}")
    try:
        event: Any = json.loads(payload) if payload.strip() else {}
    except ValueError:
        return invalid("Could not parse request body into json: the payload is not JSON")
    if invocation_type == "DryRun":
        return ApiResponse(204, function=function_id)
    if invocation_type == "Event":
        runtime.invoke_later(function_id, event)
        return ApiResponse(202, function=function_id)
    if invocation_type != "RequestResponse":
        return invalid(f"Unsupported invocation type {invocation_type}")
    result = runtime.invoke(function_id, event)
    headers = [("Content-Type", "application/json"), ("X-Amz-Executed-Version", "$LATEST")]
    if result.error is not None:
        body = result.error.to_lambda(result.request_id)
        headers.append(("X-Amz-Function-Error", "Unhandled"))
    else:
        body = result.value
    if log_type == "Tail":
        log = "\n".join(result.logs).encode()[-_LOG_TAIL_BYTES:]
        headers.append(("X-Amz-Log-Result", base64.b64encode(log).decode()))
    headers.append(("x-amzn-RequestId", result.request_id))
    return ApiResponse(200, json.dumps(body).encode(), headers, function_id)
