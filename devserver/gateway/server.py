"""The gateway's HTTP server (see ``devserver.serving``): requests in, responses out.

A request body (plain or chunked) over 10 MB is a 413, as API Gateway's payload limit. The
console gets a line per request.
"""

from __future__ import annotations

import time
from email.utils import formatdate

from ..serving import BackgroundServer, QuietHandler
from .proxy import Gateway
from .responses import json_error

MAX_REQUEST_BYTES = 10 * 1024 * 1024
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


class _Handler(QuietHandler):
    server: GatewayServer

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
            response = json_error(413, "Request Too Long")
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
                response = json_error(500, "devserver error")
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


class GatewayServer(BackgroundServer):
    """The HTTP server of the gateway (one thread per connection; keep-alive)."""

    thread_name = "gateway"

    def __init__(self, address: tuple[str, int], gateway: Gateway) -> None:
        super().__init__(address, _Handler)
        self.gateway = gateway
        gateway.port = self.server_address[1]
