"""Small factories with overridable defaults (no dict literals repeated across tests)."""

from __future__ import annotations

import uuid
from typing import Any

from message_store import Message, Metadata


def a_stream(category: str = "account", stream_id: str | None = None) -> str:
    """A fresh stream name of ``category``."""
    return f"{category}-{stream_id or uuid.uuid4()}"


def a_message(type: str = "Deposited", **overrides: Any) -> Message:  # noqa: A002
    """A message about to be written; data and metadata overridable."""
    fields: dict[str, Any] = {
        "type": type,
        "data": {"amount": 10},
        "metadata": Metadata(trace_id=str(uuid.uuid4())),
    }
    fields.update(overrides)
    return Message(**fields)


def a_user_id() -> str:
    return str(uuid.uuid4())


# -- API Gateway REST proxy events (what the applications receive) ---------------------------

API_HOST = "abc123defg.execute-api.us-east-1.amazonaws.com"
API_ORIGIN = f"https://{API_HOST}"


def an_api_request(
    method: str = "GET",
    path: str = "/",
    *,
    form: dict[str, str] | None = None,
    body: str | None = None,
    base64_body: bool = False,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    cookies: dict[str, str] | None = None,
    origin: str | None = "same",
    stage: str = "Prod",
    base_path: str | None = None,
    resource: str | None = None,
    path_parameters: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An API Gateway REST (v1) proxy event, shaped like ``sam local generate-event``'s.

    ``form`` becomes a urlencoded body; ``origin="same"`` sends the API's own origin on
    state-changing methods (``None``: no Origin header); ``base_path`` is what the browser's
    URL has in front of ``path`` (default ``/{stage}``, as on API Gateway's own domain).
    """
    import base64
    from urllib.parse import urlencode

    all_headers = {
        "Accept": "text/html,application/xhtml+xml",
        "Host": API_HOST,
        "User-Agent": "Mozilla/5.0 (tests)",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Port": "443",
    }
    if form is not None:
        body = urlencode(form)
        all_headers["Content-Type"] = "application/x-www-form-urlencoded"
    if origin == "same" and method.upper() not in ("GET", "HEAD"):
        all_headers["Origin"] = API_ORIGIN
    elif origin not in (None, "same"):
        all_headers["Origin"] = origin
    if cookies:
        all_headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    all_headers.update(headers or {})
    if body is not None and base64_body:
        body = base64.b64encode(body.encode()).decode()
    prefix = f"/{stage}" if base_path is None else base_path
    return {
        "body": body,
        "resource": resource or path,
        "path": path,
        "httpMethod": method.upper(),
        "isBase64Encoded": base64_body,
        "queryStringParameters": dict(query) if query else None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": path_parameters,
        "stageVariables": None,
        "headers": all_headers,
        "multiValueHeaders": {name: [value] for name, value in all_headers.items()},
        "requestContext": {
            "accountId": "123456789012",
            "resourceId": "abc123",
            "stage": stage,
            "requestId": str(uuid.uuid4()),
            "requestTime": "09/Apr/2015:12:34:56 +0000",
            "requestTimeEpoch": 1428582896000,
            "identity": {"sourceIp": "127.0.0.1", "userAgent": "Mozilla/5.0 (tests)"},
            "path": f"{prefix}{path}" if path != "/" else f"{prefix}/",
            "resourcePath": resource or path,
            "httpMethod": method.upper(),
            "apiId": "abc123defg",
            "protocol": "HTTP/1.1",
        },
    }


def a_password(length: int = 12) -> str:
    """A password of ``length`` characters."""
    return ("correct horse battery staple " * 10)[:length]


def an_email(name: str | None = None) -> str:
    """A fresh, valid email address."""
    return f"{name or 'viewer-' + uuid.uuid4().hex[:8]}@example.com"
