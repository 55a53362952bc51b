"""API Gateway (REST, v1) in front of the functions: proxy events exactly as it builds them.

Routing follows API Gateway's resource tree: a request path is matched segment by segment,
a literal segment before a ``{param}`` before a greedy ``{proxy+}`` (which takes one or
more segments); then the method (or ``ANY``) is looked up on the matched resource. A path
or method the API does not define gets API Gateway's answer: 403
``{"message":"Missing Authentication Token"}``. Inside a function's ``{proxy+}`` the
function itself answers (its own 404).

The event (``resource``, ``path``, ``httpMethod``, ``headers``/``multiValueHeaders``,
``queryStringParameters``/``multiValue…``, ``pathParameters``, ``stageVariables``,
``requestContext``, ``body``, ``isBase64Encoded``) has API Gateway's shape and encodings:
``path`` stays percent-encoded as sent, path parameters and query values are decoded
(``+`` is a space in a query), absent parts are ``null``; the body is base64 when its
``Content-Type`` matches the API's ``BinaryMediaTypes``.

The response honours ``statusCode``, ``headers`` and ``multiValueHeaders`` (merged: several
``Set-Cookie``), ``body`` and ``isBase64Encoded`` (decoded to binary when the request's
``Accept`` matches a binary media type, as API Gateway does). A handler error, a timeout or
a malformed response is a 502 ``{"message": "Internal server error"}``; an invocation longer
than the integration timeout (29 s) is a 504.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import secrets
import threading
import time
import uuid
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote

from .console import Console
from .model import ApiRoute, RestApi
from .runtime import InvocationResult, Runtime
from .template import TemplateError

MAX_REQUEST_BYTES = 10 * 1024 * 1024
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-length", "upgrade", "te"}
)


@dataclass
class _Node:
    resource: str
    literals: dict[str, _Node] = field(default_factory=dict)
    parameter: tuple[str, _Node] | None = None
    greedy: tuple[str, _Node] | None = None
    methods: dict[str, ApiRoute] = field(default_factory=dict)


@dataclass(frozen=True)
class Match:
    """A resource of the API that a request path matched, with its path parameters."""

    resource: str
    parameters: dict[str, str]
    methods: Mapping[str, ApiRoute]

    def route_for(self, method: str) -> ApiRoute | None:
        """The route of ``method`` on this resource, else its ``ANY`` route."""
        return self.methods.get(method) or self.methods.get("ANY")


class Router:
    """API Gateway's resource tree built from the functions' ``Api`` events."""

    def __init__(self, routes: list[ApiRoute]) -> None:
        self.root = _Node("/")
        for route in routes:
            self._add(route)

    def _add(self, route: ApiRoute) -> None:
        node = self.root
        for segment in [s for s in route.path.split("/") if s]:
            resource = node.resource.rstrip("/") + "/" + segment
            if segment.startswith("{") and segment.endswith("+}"):
                name = segment[1:-2]
                node.greedy = self._child(node.greedy, name, resource, route)
                node = node.greedy[1]
            elif segment.startswith("{") and segment.endswith("}"):
                name = segment[1:-1]
                node.parameter = self._child(node.parameter, name, resource, route)
                node = node.parameter[1]
            else:
                node = node.literals.setdefault(segment, _Node(resource))
        node.methods[route.method] = route

    @staticmethod
    def _child(
        existing: tuple[str, _Node] | None, name: str, resource: str, route: ApiRoute
    ) -> tuple[str, _Node]:
        if existing is None:
            return (name, _Node(resource))
        if existing[0] != name:
            raise TemplateError(
                f"{route.function_id}.{route.event_name}: {route.path} names a path parameter "
                f"{{{name}}} where a sibling resource names it {{{existing[0]}}} "
                "(API Gateway refuses this)"
            )
        return existing

    def match(self, raw_path: str) -> Match | None:
        """The resource matching a raw (percent-encoded) request path, or None."""
        path = raw_path[:-1] if raw_path.endswith("/") and raw_path != "/" else raw_path
        segments = path.split("/")[1:] if path != "/" else []
        found = self._walk(self.root, segments, 0, {})
        if found is None:
            return None
        node, parameters = found
        return Match(node.resource, parameters, node.methods)

    def _walk(
        self, node: _Node, segments: list[str], index: int, parameters: dict[str, str]
    ) -> tuple[_Node, dict[str, str]] | None:
        if index == len(segments):
            return node, parameters
        segment = segments[index]
        literal = node.literals.get(unquote(segment))
        if literal is not None:
            found = self._walk(literal, segments, index + 1, parameters)
            if found is not None:
                return found
        if node.parameter is not None and segment:
            name, child = node.parameter
            found = self._walk(child, segments, index + 1, {**parameters, name: unquote(segment)})
            if found is not None:
                return found
        if node.greedy is not None and all(segments[index:]):
            name, child = node.greedy
            rest = "/".join(segments[index:])
            return child, {**parameters, name: unquote(rest)}
        return None

    def resources(self) -> list[tuple[str, list[ApiRoute]]]:
        """Every resource with methods, depth first (for the banner)."""
        found: list[tuple[str, list[ApiRoute]]] = []

        def visit(node: _Node) -> None:
            if node.methods:
                found.append((node.resource, list(node.methods.values())))
            for child in node.literals.values():
                visit(child)
            for pair in (node.parameter, node.greedy):
                if pair is not None:
                    visit(pair[1])

        visit(self.root)
        return found


def _media_matches(media_type: str, patterns: tuple[str, ...]) -> bool:
    media_type = media_type.split(";", 1)[0].strip().lower()
    if not media_type:
        return False
    for pattern in patterns:
        pattern = pattern.lower()
        if pattern in ("*/*", media_type):
            return True
        if pattern.endswith("/*") and media_type.startswith(pattern[:-1]):
            return True
    return False


def _accept_matches(accept: str | None, patterns: tuple[str, ...]) -> bool:
    """Whether the request's Accept prefers a binary media type (API Gateway's rule)."""
    if not accept or not patterns:
        return False
    candidates = []
    for position, part in enumerate(accept.split(",")):
        media, *parameters = [p.strip() for p in part.split(";")]
        quality = 1.0
        for parameter in parameters:
            if parameter.startswith("q="):
                with contextlib.suppress(ValueError):
                    quality = float(parameter[2:])
        candidates.append((-quality, position, media))
    candidates.sort()
    return bool(candidates) and candidates[0][0] < 0 and _media_matches(candidates[0][2], patterns)


def _stable_id(text: str, length: int) -> str:
    return f"{zlib.crc32(text.encode()):08x}{zlib.adler32(text.encode()):08x}"[:length]


@dataclass
class GatewayResponse:
    """What goes back to the client: status, header pairs (repeatable), body bytes."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


def _json_error(status: int, message: str, error_type: str | None = None) -> GatewayResponse:
    headers = [("Content-Type", "application/json")]
    if error_type:
        headers.append(("x-amzn-ErrorType", error_type))
    return GatewayResponse(status, headers, json.dumps({"message": message}).encode())


class Gateway:
    """Builds events, invokes functions, and turns their results into HTTP responses."""

    def __init__(
        self,
        routes: list[ApiRoute],
        apis: Mapping[str, RestApi],
        runtime: Runtime,
        console: Console,
        *,
        account_id: str = "123456789012",
        chaos: Callable[[str], tuple[bool, bool]] | None = None,
    ) -> None:
        self.router = Router(routes)
        self.apis = dict(apis)
        self.runtime = runtime
        self.console = console
        self.account_id = account_id
        self.chaos = chaos
        self.port = 0
        self._noticed: set[str] = set()

    def _notice_once(self, key: str, text: str) -> None:
        if key not in self._noticed:
            self._noticed.add(key)
            self.console.notice(text)

    def build_event(
        self,
        *,
        method: str,
        raw_path: str,
        raw_query: str,
        header_pairs: list[tuple[str, str]],
        body: bytes,
        source_ip: str,
        route: ApiRoute,
        match: Match,
        request_id: str,
        now: float | None = None,
    ) -> dict[str, Any]:
        """The REST proxy event API Gateway would send for this request."""
        api = self.apis[route.api_id]
        now = time.time() if now is None else now
        pairs = list(header_pairs)
        names = {name.lower() for name, _ in pairs}
        forwarded = [v for n, v in pairs if n.lower() == "x-forwarded-for"]
        pairs = [(n, v) for n, v in pairs if n.lower() != "x-forwarded-for"]
        pairs.append(("X-Forwarded-For", ", ".join([*forwarded, source_ip])))
        if "x-forwarded-port" not in names:
            pairs.append(("X-Forwarded-Port", str(self.port)))
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
        is_base64 = _media_matches(content_type, api.binary_media_types)
        text_body: str | None = None
        if body:
            if is_base64:
                text_body = base64.b64encode(body).decode()
            else:
                text_body = body.decode("utf-8", errors="replace")
                if "\ufffd" in text_body and b"\xef\xbf\xbd" not in body:
                    self._notice_once(
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
                "accountId": self.account_id,
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

    def handle(
        self,
        *,
        method: str,
        target: str,
        header_pairs: list[tuple[str, str]],
        body: bytes,
        source_ip: str,
    ) -> tuple[GatewayResponse, str | None]:
        """Answer one request: the response and the function that answered (if any)."""
        raw_path, _, raw_query = target.partition("?")
        request_id = str(uuid.uuid4())
        match = self.router.match(raw_path or "/")
        route = match.route_for(method) if match is not None else None
        if match is None or route is None:
            response = _json_error(
                403, "Missing Authentication Token", "MissingAuthenticationTokenException"
            )
            response.headers.append(("x-amzn-RequestId", request_id))
            return response, None
        event = self.build_event(
            method=method,
            raw_path=raw_path,
            raw_query=raw_query,
            header_pairs=header_pairs,
            body=body,
            source_ip=source_ip,
            route=route,
            match=match,
            request_id=request_id,
        )
        fail_before, fail_after = self.chaos(route.function_id) if self.chaos else (False, False)
        started = time.monotonic()
        result = self.runtime.invoke(
            route.function_id, event, fail_before=fail_before, fail_after=fail_after
        )
        if (time.monotonic() - started) * 1000 > route.timeout_ms:
            response = _json_error(504, "Endpoint request timed out")
        else:
            response = self._response(result, route, header_pairs)
        response.headers.append(("x-amzn-RequestId", request_id))
        trace = event["headers"].get("X-Amzn-Trace-Id")
        if trace:
            response.headers.append(("X-Amzn-Trace-Id", trace))
        return response, route.function_id

    def _response(
        self, result: InvocationResult, route: ApiRoute, header_pairs: list[tuple[str, str]]
    ) -> GatewayResponse:
        if result.error is not None:
            self.console.error(
                route.function_id,
                f"{result.error.type}: {result.error.message}",
                result.error.stack,
            )
            return _json_error(502, "Internal server error")
        try:
            return self._proxy_response(result.value, route, header_pairs)
        except ValueError as exc:
            self.console.error(route.function_id, f"malformed Lambda proxy response: {exc}")
            return _json_error(502, "Internal server error")

    def _proxy_response(
        self, value: Any, route: ApiRoute, header_pairs: list[tuple[str, str]]
    ) -> GatewayResponse:
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
            self._notice_once(
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
            api = self.apis[route.api_id]
            accept = next((v for n, v in header_pairs if n.lower() == "accept"), None)
            if _accept_matches(accept, api.binary_media_types):
                try:
                    data = base64.b64decode(body, validate=True)
                except binascii.Error as exc:
                    raise ValueError(f"isBase64Encoded but the body is not base64 ({exc})") from exc
            else:
                self._notice_once(
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


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # One write per response (headers and body buffered together, flushed after the
    # request) and no Nagle: two small writes would wait on the client's delayed ACK.
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True
    server: GatewayServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        """The console prints its own line per request."""

    def _body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            total = 0
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_REQUEST_BYTES:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_REQUEST_BYTES:
            return None
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        started = time.monotonic()
        gateway = self.server.gateway
        body = self._body()
        function = None
        if body is None:
            response = _json_error(413, "Request Too Long")
            self.close_connection = True
        else:
            try:
                response, function = gateway.handle(
                    method=self.command,
                    target=self.path,
                    header_pairs=list(self.headers.items()),
                    body=body,
                    source_ip=self.client_address[0],
                )
            except Exception as exc:  # the devserver's own bug: say so, keep serving
                gateway.console.error("gateway", f"{type(exc).__name__}: {exc}")
                response = _json_error(500, "devserver error")
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)
        elapsed = (time.monotonic() - started) * 1000
        gateway.console.request(
            self.command, self.path.split("?", 1)[0], response.status, elapsed, function
        )

    def send_response(self, code: int, message: str | None = None) -> None:
        """Status line and Date only (no Server header: API Gateway sends none)."""
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", formatdate(usegmt=True))


for _method in _METHODS:
    setattr(_Handler, f"do_{_method}", _Handler._serve)


class GatewayServer(ThreadingHTTPServer):
    """The HTTP server of the gateway (one thread per connection; keep-alive)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], gateway: Gateway) -> None:
        super().__init__(address, _Handler)
        self.gateway = gateway
        gateway.port = self.server_address[1]
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Serve in a background thread."""
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.2}, name="gateway", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting requests (requests being served finish)."""
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(5)
