"""What the Lambda API answers: a status, headers and a JSON body, or Lambda's errors.

Errors are Lambda's own: the error type in ``x-amzn-ErrorType`` and the body
``{"Type": "User", "message": …}``, which is how boto3 tells them apart
(``ResourceNotFoundException``, ``InvalidParameterValueException`` …).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ApiResponse:
    """One answer of the Lambda API."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    #: the function it concerns, for the console line
    function: str | None = None


def json_response(status: int, document: Any, function: str | None = None) -> ApiResponse:
    """A JSON answer."""
    return ApiResponse(
        status, json.dumps(document).encode(), [("Content-Type", "application/json")], function
    )


def error(status: int, error_type: str, message: str) -> ApiResponse:
    """One of Lambda's errors, as boto3 reads them."""
    response = json_response(status, {"Type": "User", "message": message})
    response.headers.append(("x-amzn-ErrorType", error_type))
    return response


def not_found(message: str) -> ApiResponse:
    """``ResourceNotFoundException`` (404)."""
    return error(404, "ResourceNotFoundException", message)


def invalid(message: str) -> ApiResponse:
    """``InvalidParameterValueException`` (400)."""
    return error(400, "InvalidParameterValueException", message)
