"""API Gateway's Lambda proxy integration: a request in, the function's response out.

A path or method the API does not define gets API Gateway's answer: 403
``{"message":"Missing Authentication Token"}``; inside a function's ``{proxy+}`` the
function itself answers (its own 404). A handler error, a timeout or a malformed response
is a 502 ``{"message": "Internal server error"}``; an invocation longer than the
integration timeout (29 s) is a 504.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping

from ..console import Console
from ..runtime import InvocationResult, Runtime
from ..template.apis import ApiRoute, RestApi
from .events import build_proxy_event
from .responses import GatewayResponse, json_error, proxy_response
from .routing import Router


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
            response = json_error(
                403, "Missing Authentication Token", "MissingAuthenticationTokenException"
            )
            response.headers.append(("x-amzn-RequestId", request_id))
            return response, None
        event = build_proxy_event(
            api=self.apis[route.api_id],
            method=method,
            raw_path=raw_path,
            raw_query=raw_query,
            header_pairs=header_pairs,
            body=body,
            source_ip=source_ip,
            route=route,
            match=match,
            request_id=request_id,
            account_id=self.account_id,
            port=self.port,
            notice_once=self._notice_once,
        )
        fail_before, fail_after = self.chaos(route.function_id) if self.chaos else (False, False)
        started = time.monotonic()
        result = self.runtime.invoke(
            route.function_id,
            event,
            fail_before=fail_before,
            fail_after=fail_after,
            request=True,  # a user waits for the page
        )
        if (time.monotonic() - started) * 1000 > route.timeout_ms:
            response = json_error(504, "Endpoint request timed out")
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
            return json_error(502, "Internal server error")
        try:
            return proxy_response(
                result.value, route, self.apis[route.api_id], header_pairs, self._notice_once
            )
        except ValueError as exc:
            self.console.error(route.function_id, f"malformed Lambda proxy response: {exc}")
            return json_error(502, "Internal server error")
