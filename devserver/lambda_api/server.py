"""The Lambda API's HTTP server: the paths boto3's ``lambda`` client calls.

    POST /2015-03-31/functions/{FunctionName}/invocations      Invoke
    GET  /2015-03-31/event-source-mappings/                    ListEventSourceMappings
    GET  /2015-03-31/event-source-mappings/{UUID}              GetEventSourceMapping
    PUT  /2015-03-31/event-source-mappings/{UUID}              UpdateEventSourceMapping

Anything else is a 404 ``UnknownOperationException``. The console gets a line per request.
"""

from __future__ import annotations

import json
import re
import time
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qsl, unquote

from ..console import Console
from ..mappings import EventSourceMappings
from ..runtime import Runtime
from ..serving import BackgroundServer, QuietHandler
from .event_source_mappings import get_mapping, list_mappings, update_mapping
from .invoke import invoke
from .responses import ApiResponse, error, invalid

_INVOKE = re.compile(r"^/2015-03-31/functions/([^/]+)/invocations/?$")
_MAPPINGS = re.compile(r"^/2015-03-31/event-source-mappings/?$")
_MAPPING = re.compile(r"^/2015-03-31/event-source-mappings/([^/]+)/?$")
_MAX_PAYLOAD_BYTES = 6 * 1024 * 1024


class LambdaApi:
    """Answers the Lambda API's requests for one application."""

    def __init__(self, runtime: Runtime, mappings: EventSourceMappings, console: Console) -> None:
        self.runtime = runtime
        self.mappings = mappings
        self.console = console

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> ApiResponse:
        """Answer one request."""
        path, _, raw_query = target.partition("?")
        query = dict(parse_qsl(raw_query))
        if method == "POST" and (match := _INVOKE.match(path)):
            return invoke(
                self.runtime,
                unquote(match.group(1)),
                body,
                invocation_type=headers.get("x-amz-invocation-type", "RequestResponse"),
                log_type=headers.get("x-amz-log-type", "None"),
            )
        if method == "GET" and _MAPPINGS.match(path):
            return list_mappings(self.mappings, query)
        if match := _MAPPING.match(path):
            mapping_uuid = unquote(match.group(1))
            if method == "GET":
                return get_mapping(self.mappings, mapping_uuid)
            if method == "PUT":
                try:
                    request: Any = json.loads(body or b"{}")
                except ValueError:
                    return invalid("the request body is not JSON")
                if not isinstance(request, dict):
                    return invalid("the request body is not a JSON object")
                return update_mapping(self.mappings, mapping_uuid, request)
        return error(404, "UnknownOperationException", f"{method} {path}: not served locally")


class _Handler(QuietHandler):
    server: LambdaApiServer

    def _serve(self) -> None:
        started = time.monotonic()
        api = self.server.api
        assert api is not None, "started only once its API is set"
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_PAYLOAD_BYTES:
            response = error(413, "RequestTooLargeException", "Request must be smaller than 6 MB")
            self.close_connection = True
        else:
            body = self.rfile.read(length) if length else b""
            headers = {name.lower(): value for name, value in self.headers.items()}
            try:
                response = api.handle(self.command, self.path, headers, body)
            except Exception as exc:  # the devserver's own bug: say so, keep serving
                api.console.error("lambda", f"{type(exc).__name__}: {exc}")
                response = error(500, "ServiceException", "devserver error")
        self.send_response_only(response.status)
        self.send_header("Date", formatdate(usegmt=True))
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)
        elapsed = (time.monotonic() - started) * 1000
        api.console.request(
            self.command, self.path.split("?", 1)[0], response.status, elapsed, response.function
        )

    # http.server dispatches on do_<METHOD>
    do_GET = do_POST = do_PUT = do_DELETE = _serve


class LambdaApiServer(BackgroundServer):
    """The Lambda API on one port (one thread per connection; keep-alive)."""

    thread_name = "lambda-api"

    def __init__(self, address: tuple[str, int], api: LambdaApi | None) -> None:
        """Bind ``address``; ``api`` may be given later, before ``start``."""
        super().__init__(address, _Handler)
        self.api = api
