"""The emulator child: moto server on 127.0.0.1, one request at a time, snapshots on disk.

Run as ``python -m devserver.emulator --port 0 --state FILE --outbox DIR [--report-writes]``;
the first line it prints is ``{"event": "ready", "port": N, ...}`` (see ``pipe``). At start
it restores the last snapshot; while it runs it snapshots every few seconds when something
changed, spaced so that snapshots never take more than a tenth of its time.

It stops (snapshot first) on SIGTERM, SIGINT, or when its stdin closes, which happens when
the devserver process ends for any reason: it never outlives its parent.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import signal
import sys
import threading
import time
from pathlib import Path

from . import fixes, writes
from .app import EmulatorApp
from .pipe import emit
from .snapshots import SnapshotError, install_lock_pickling, read_snapshot, restore_state


def _request_handler_class() -> type:
    from werkzeug.serving import WSGIRequestHandler

    class RequestHandler(WSGIRequestHandler):
        # werkzeug writes headers and body apart: without this, the second write waits
        # for the client's delayed ACK (up to 40 ms a request).
        disable_nagle_algorithm = True

    return RequestHandler


def main(argv: list[str] | None = None) -> int:
    """Run the emulator until SIGTERM/SIGINT or stdin closes (the child's entry point)."""
    parser = argparse.ArgumentParser(prog="python -m devserver.emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--state", type=Path, default=None)
    parser.add_argument("--outbox", type=Path, default=None)
    parser.add_argument("--snapshot-interval", type=float, default=5.0)
    parser.add_argument("--report-writes", action="store_true")
    args = parser.parse_args(argv)

    install_lock_pickling()
    fixes.install()
    writes.watch_queue_deliveries()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from moto.server import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    try:
        state = read_snapshot(args.state) if args.state else None
    except SnapshotError as exc:
        emit({"event": "error", "message": str(exc)})
        return 2
    if state:
        restore_state(state)
    app = EmulatorApp(
        DomainDispatcherApplication(create_backend_app),
        args.state,
        args.outbox,
        report_writes=args.report_writes,
    )
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            server = make_server(
                args.host, args.port, app, threaded=True, request_handler=_request_handler_class()
            )
    except (OSError, SystemExit) as exc:  # werkzeug exits when the port is taken
        emit({"event": "error", "message": f"cannot listen on {args.host}:{args.port} ({exc})"})
        return 2
    server.daemon_threads = True
    stop = threading.Event()

    def request_stop(*_args: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    def watch_parent() -> None:
        with contextlib.suppress(Exception):
            while sys.stdin.buffer.read(1024):
                pass
        stop.set()

    # a short poll: shutdown() waits for it, and the devserver stops the emulator last
    threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="emulator-http",
        daemon=True,
    ).start()
    threading.Thread(target=watch_parent, name="emulator-parent", daemon=True).start()
    restored = {
        service: sum(len(regions) for regions in accounts.values())
        for service, accounts in (state or {}).items()
    }
    emit(
        {
            "event": "ready",
            "port": server.server_port,
            "restored": bool(state),
            "services": restored,
        }
    )
    pause = 0.0
    # A snapshot holds the lock (about 0.13 s per 1,000 messages): space them so that
    # they never take more than a tenth of the emulator's time.
    while not stop.wait(max(args.snapshot_interval, 10 * pause)):
        started = time.monotonic()
        try:
            written = app.snapshot()
        except Exception as exc:  # keep serving; the next snapshot may succeed
            emit({"event": "warning", "message": f"snapshot failed: {exc!r}"})
            written = False
        pause = time.monotonic() - started if written else pause
    server.shutdown()
    app.snapshot()
    emit({"event": "stopped", "requests": app.requests})
    return 0
