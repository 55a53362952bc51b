"""The HTTP response API Gateway makes of a Lambda proxy result, and its own error answers.

A result's ``statusCode``, ``headers`` and ``multiValueHeaders`` (merged: several
``Set-Cookie``), ``body`` and ``isBase64Encoded`` (decoded to binary when the request's
``Accept`` matches a binary media type, else sent as the base64 text) are honoured;
``Content-Type`` defaults to ``application/json``. A malformed result (not an object, no
valid ``statusCode``, a non-string body or header) raises ``ValueError``: a 502.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from ..template.apis import ApiRoute, RestApi
from .events import NoticeOnce
from .media import accept_matches

_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-length", "upgrade", "te"}
)


@dataclass
class GatewayResponse:
    """What goes back to the client: status, header pairs (repeatable), body bytes."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


def json_error(status: int, message: str, error_type: str | None = None) -> GatewayResponse:
    """API Gateway's own JSON error: ``{"message": …}``, with its error type header."""
    headers = [("Content-Type", "application/json")]
    if error_type:
        headers.append(("x-amzn-ErrorType", error_type))
    return GatewayResponse(status, headers, json.dumps({"message": message}).encode())


def proxy_response(
    value: Any,
    route: ApiRoute,
    api: RestApi,
    header_pairs: list[tuple[str, str]],
    notice_once: NoticeOnce,
) -> GatewayResponse:
    """The HTTP response for a handler's Lambda proxy result; ``ValueError`` if malformed."""
    if not isinstance(value, dict):
        raise ValueError(f"the handler returned {type(value).__name__}, not an object")
    status = value.get("statusCode")
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise ValueError(f"statusCode {status!r} is not an HTTP status")
    unknown = set(value) - {
        "statusCode",
        "headers",
        "multiValueHeaders",
        "body",
        "isBase64Encoded",
    }
    if unknown:
        notice_once(
            f"keys:{route.function_id}",
            f"{route.function_id} returns {sorted(unknown)}: not part of a REST API "
            "proxy response (API Gateway ignores them; cookies belong in Set-Cookie headers)",
        )
    merged: dict[str, tuple[str, list[str]]] = {}
    for name, values in (value.get("multiValueHeaders") or {}).items():
        if not isinstance(values, list):
            raise ValueError(f"multiValueHeaders[{name!r}] is not a list")
        merged.setdefault(name.lower(), (name, []))[1].extend(_header_value(v) for v in values)
    for name, header in (value.get("headers") or {}).items():
        entry = merged.setdefault(name.lower(), (name, []))
        text = _header_value(header)
        if text not in entry[1]:
            entry[1].append(text)
    headers = [
        (name, text)
        for name, values in merged.values()
        if name.lower() not in _HOP_BY_HOP
        for text in values
    ]
    if "content-type" not in merged:
        headers.append(("Content-Type", "application/json"))
    body = value.get("body")
    if body is None:
        data = b""
    elif isinstance(body, str):
        data = body.encode("utf-8")
    else:
        raise ValueError(f"body is {type(body).__name__}, not a string")
    if value.get("isBase64Encoded") and body:
        accept = next((v for n, v in header_pairs if n.lower() == "accept"), None)
        if accept_matches(accept, api.binary_media_types):
            try:
                data = base64.b64decode(body, validate=True)
            except binascii.Error as exc:
                raise ValueError(f"isBase64Encoded but the body is not base64 ({exc})") from exc
        else:
            notice_once(
                f"b64:{route.function_id}",
                f"{route.function_id} returns a base64 body, sent as text: API Gateway "
                "decodes it only when the request's Accept matches BinaryMediaTypes",
            )
    return GatewayResponse(status, headers, data)


def _header_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise ValueError(f"header value {value!r} is not a string")
