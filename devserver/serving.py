"""What the devserver's HTTP servers share: a quick, quiet server in a thread of its own.

Keep-alive (HTTP/1.1), one write per response (headers and body buffered together and
flushed after the request) and no Nagle: two small writes would wait on the client's
delayed ACK, up to 40 ms a request. The console prints its own line per request, so the
handler logs nothing. ``stop`` returns within a twentieth of a second.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_SHUTDOWN_POLL_SECONDS = 0.05


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler with the devserver's transport settings (a server fills in do_*)."""

    protocol_version = "HTTP/1.1"
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        """The console prints its own line per request."""


class BackgroundServer(ThreadingHTTPServer):
    """An HTTP server on its own thread (one more thread per connection)."""

    daemon_threads = True
    allow_reuse_address = True
    #: the serving thread's name
    thread_name = "http"

    def __init__(self, address: tuple[str, int], handler: type[QuietHandler]) -> None:
        super().__init__(address, handler)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """``http://HOST:PORT``."""
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        """Serve in a background thread."""
        self._thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": _SHUTDOWN_POLL_SECONDS},
            name=self.thread_name,
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting requests (requests being served finish); a server never started
        only closes its socket (``shutdown`` would wait for a loop that never ran)."""
        if self._thread is not None:
            self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(5)
