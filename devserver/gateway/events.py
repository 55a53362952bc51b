"""The REST proxy event, exactly as API Gateway builds it for a request.

``resource``, ``path``, ``httpMethod``, ``headers``/``multiValueHeaders``,
``queryStringParameters``/``multiValue…``, ``pathParameters``, ``stageVariables``,
``requestContext``, ``body``, ``isBase64Encoded``: API Gateway's shape and encodings.
``path`` stays percent-encoded as sent, path parameters and query values are decoded
(``+`` is a space in a query), absent parts are ``null``; the body is base64 when its
``Content-Type`` matches the API's ``BinaryMediaTypes``; the gateway adds its own
``X-Forwarded-*`` and ``X-Amzn-Trace-Id`` headers.
"""

from __future__ import annotations

import base64
import secrets
import time
import zlib
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from ..template.apis import ApiRoute, RestApi
from .media import media_matches
from .routing import Match

#: says something once per key (the console's notice, for what a developer should know)
NoticeOnce = Callable[[str, str], None]


def build_proxy_event(
    *,
    api: RestApi,
    method: str,
    raw_path: str,
    raw_query: str,
    header_pairs: list[tuple[str, str]],
    body: bytes,
    source_ip: str,
    route: ApiRoute,
    match: Match,
    request_id: str,
    account_id: str,
    port: int,
    notice_once: NoticeOnce,
    now: float | None = None,
) -> dict[str, Any]:
    """The REST proxy event API Gateway would send for this request."""
    now = time.time() if now is None else now
    pairs = list(header_pairs)
    names = {name.lower() for name, _ in pairs}
    forwarded = [v for n, v in pairs if n.lower() == "x-forwarded-for"]
    pairs = [(n, v) for n, v in pairs if n.lower() != "x-forwarded-for"]
    pairs.append(("X-Forwarded-For", ", ".join([*forwarded, source_ip])))
    if "x-forwarded-port" not in names:
        pairs.append(("X-Forwarded-Port", str(port)))
    if "x-forwarded-proto" not in names:
        pairs.append(("X-Forwarded-Proto", "http"))
    if "x-amzn-trace-id" not in names:
        pairs.append(("X-Amzn-Trace-Id", f"Root=1-{int(now):08x}-{secrets.token_hex(12)}"))
    headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for name, value in pairs:
        headers[name] = value
        multi_headers.setdefault(name, []).append(value)
    query: dict[str, str] = {}
    multi_query: dict[str, list[str]] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        query[name] = value
        multi_query.setdefault(name, []).append(value)
    content_type = next((v for n, v in pairs if n.lower() == "content-type"), "")
    is_base64 = media_matches(content_type, api.binary_media_types)
    text_body: str | None = None
    if body:
        if is_base64:
            text_body = base64.b64encode(body).decode()
        else:
            text_body = body.decode("utf-8", errors="replace")
            if "\ufffd" in text_body and b"\xef\xbf\xbd" not in body:
                notice_once(
                    f"binary:{route.api_id}",
                    f"a {content_type or 'body'} request body is not UTF-8: API Gateway "
                    "mangles it too unless BinaryMediaTypes lists its media type",
                )
    host = next((v for n, v in pairs if n.lower() == "host"), "127.0.0.1")
    domain = host.rsplit(":", 1)[0] if not host.startswith("[") else host
    user_agent = next((v for n, v in pairs if n.lower() == "user-agent"), None)
    return {
        "resource": match.resource,
        "path": raw_path,
        "httpMethod": method,
        "headers": headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": match.parameters or None,
        "stageVariables": dict(api.stage_variables) if api.stage_variables else None,
        "requestContext": {
            "resourceId": _stable_id(match.resource, 6),
            "resourcePath": match.resource,
            "httpMethod": method,
            "extendedRequestId": base64.b64encode(secrets.token_bytes(12)).decode(),
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            # the devserver serves the API at its root, as a custom domain does: the
            # path the client used has no stage in it (on execute-api it would)
            "path": raw_path,
            "accountId": account_id,
            "protocol": "HTTP/1.1",
            "stage": api.stage_name,
            "domainPrefix": domain.split(".", 1)[0],
            "requestTimeEpoch": int(now * 1000),
            "requestId": request_id,
            "identity": {
                "cognitoIdentityPoolId": None,
                "accountId": None,
                "cognitoIdentityId": None,
                "caller": None,
                "sourceIp": source_ip,
                "principalOrgId": None,
                "accessKey": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": None,
                "userAgent": user_agent,
                "user": None,
            },
            "domainName": domain,
            "deploymentId": _stable_id(f"{route.api_id}:deployment", 6),
            "apiId": _stable_id(route.api_id, 10),
        },
        "body": text_body,
        "isBase64Encoded": is_base64,
    }


def _stable_id(text: str, length: int) -> str:
    return f"{zlib.crc32(text.encode()):08x}{zlib.adler32(text.encode()):08x}"[:length]
