"""The embedded AWS emulator: moto server in a child process, one request at a time.

moto's backends have no locks (DESIGN.md section 7): two threads' conditional puts on one
key can both succeed. The child serves moto's WSGI app (``DomainDispatcherApplication``)
from a threaded werkzeug server on 127.0.0.1 behind a lock, so every request runs alone,
as atomic as DynamoDB's own.

moto keeps nothing on disk, so the child snapshots its backends (pickle) into the state
directory: every few seconds when something changed, and when it stops. At start it
restores the last snapshot: tables with their items, streams with their records, sequence
numbers and ARNs, queues and their messages, buckets and objects, secrets, identities.

Mail sent through SES (v1 or v2) is written to the outbox folder, one JSON file per mail,
and announced on the child's stdout so the devserver prints a console line.

The child stops (snapshot first) on SIGTERM, SIGINT, or when its stdin closes, which
happens when the devserver process ends for any reason: it never outlives its parent.

Run as ``python -m devserver.emulator --port 0 --state FILE --outbox DIR``; the first line
it prints is ``{"event": "ready", "port": N, ...}``.
"""

from __future__ import annotations

import _thread
import argparse
import contextlib
import copyreg
import email
import email.policy
import io
import json
import logging
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

SNAPSHOT_FORMAT = 1
_READ_ACTION_PREFIXES = (
    "Get",
    "Describe",
    "List",
    "Query",
    "Scan",
    "BatchGet",
    "TransactGet",
)
_MAX_SHARD_ITERATORS = 1000


def _install_lock_pickling() -> None:
    """Locks pickle as fresh locks (SQS queues and S3 keys hold them)."""
    copyreg.pickle(_thread.RLock, lambda _lock: (threading.RLock, ()))
    copyreg.pickle(_thread.LockType, lambda _lock: (threading.Lock, ()))


class SnapshotError(Exception):
    """The state file cannot be restored (named in the message)."""


def _backend_dicts() -> list[Any]:
    from moto.core.base_backend import BackendDict

    return list(BackendDict._instances)


def snapshot_state() -> dict[str, Any]:
    """Every backend moto holds, by service, account and region (streams' iterators left out)."""
    state: dict[str, Any] = {}
    for backend_dict in _backend_dicts():
        if backend_dict.service_name == "dynamodbstreams":
            continue  # only shard iterators: they expire, as DynamoDB's do
        state[backend_dict.service_name] = {
            account: dict(regions) for account, regions in backend_dict.items()
        }
    return state


def restore_state(state: dict[str, Any]) -> None:
    """Put snapshotted backends back into moto's (module-level) backend dicts."""
    from moto.backends import get_backend

    for service, accounts in state.items():
        live = get_backend(service)  # type: ignore[call-overload]
        for account, regions in accounts.items():
            for region, backend in regions.items():
                live[account][region] = backend


def read_snapshot(path: Path) -> dict[str, Any] | None:
    """The state in ``path``, or None when there is none; ``SnapshotError`` when unusable."""
    import moto

    if not path.exists():
        return None
    try:
        with open(path, "rb") as handle:
            document = pickle.load(handle)  # noqa: S301 - our own file, in our state dir
    except Exception as exc:
        raise SnapshotError(f"{path} cannot be read ({exc}); start with --reset") from exc
    if document.get("format") != SNAPSHOT_FORMAT or document.get("moto") != moto.__version__:
        raise SnapshotError(
            f"{path} was written by moto {document.get('moto')}, this is moto "
            f"{moto.__version__}: start with --reset"
        )
    return document["backends"]


class EmulatorApp:
    """moto's WSGI app behind one lock, with snapshots and the SES outbox."""

    def __init__(self, app: Any, state_path: Path | None, outbox: Path | None) -> None:
        self.app = app
        self.state_path = state_path
        self.outbox = outbox
        self.lock = threading.Lock()
        self.dirty = False
        self.requests = 0
        self._mail_seen = self._sent_counts()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        action = _action_of(environ, body)
        with self.lock:
            self.requests += 1
            response = self.app(environ, start_response)
            try:
                chunks = list(response)
            finally:
                if hasattr(response, "close"):
                    response.close()
            if action is None or not action.startswith(_READ_ACTION_PREFIXES):
                self.dirty = True
            if "/ses/aws4_request" in environ.get("HTTP_AUTHORIZATION", ""):
                self._collect_mail(environ, body)
            if action == "GetRecords":
                _prune_shard_iterators()
        return chunks

    # --- snapshots ------------------------------------------------------------------------

    def snapshot(self, force: bool = False) -> bool:
        """Write the state file if anything changed; True when written."""
        import moto

        if self.state_path is None:
            return False
        with self.lock:
            if not (self.dirty or force):
                return False
            blob = pickle.dumps(
                {"format": SNAPSHOT_FORMAT, "moto": moto.__version__, "backends": snapshot_state()},
                protocol=pickle.HIGHEST_PROTOCOL,
            )
            self.dirty = False
        temporary = self.state_path.with_suffix(".tmp")
        with open(temporary, "wb") as handle:
            handle.write(blob)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.state_path)
        return True

    # --- the SES outbox -------------------------------------------------------------------

    def _sent_counts(self) -> dict[tuple[str, str], int]:
        from moto.ses.models import ses_backends

        return {
            (account, region): len(backend.sent_messages)
            for account, regions in ses_backends.items()
            for region, backend in regions.items()
        }

    def _collect_mail(self, environ: dict[str, Any], body: bytes) -> None:
        from moto.ses.models import ses_backends

        request = _mail_request(environ, body)
        for account, regions in ses_backends.items():
            for region, backend in regions.items():
                seen = self._mail_seen.get((account, region), 0)
                for message in backend.sent_messages[seen:]:
                    self._write_mail(_mail_document(message, request))
                self._mail_seen[(account, region)] = len(backend.sent_messages)

    def _write_mail(self, document: dict[str, Any]) -> None:
        path = None
        if self.outbox is not None:
            self.outbox.mkdir(parents=True, exist_ok=True)
            path = self.outbox / f"{time.time_ns()}-{document['id']}.json"
            path.write_text(json.dumps(document, indent=2), encoding="utf-8")
        summary = {k: document.get(k) for k in ("id", "source", "to", "subject")}
        _emit({"event": "mail", **summary, "file": str(path) if path else None})


def _action_of(environ: dict[str, Any], body: bytes) -> str | None:
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return target.rsplit(".", 1)[-1]
    if "x-www-form-urlencoded" in environ.get("CONTENT_TYPE", ""):
        values = parse_qs(body.decode("utf-8", "replace")).get("Action")
        return values[0] if values else None
    if environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
        return "Get"
    return None


def _prune_shard_iterators() -> None:
    """moto keeps every shard iterator forever; keep the newest (DynamoDB's expire)."""
    from moto.dynamodbstreams.models import dynamodbstreams_backends

    for regions in dynamodbstreams_backends.values():
        for backend in regions.values():
            iterators = backend.shard_iterators
            excess = len(iterators) - _MAX_SHARD_ITERATORS
            if excess > _MAX_SHARD_ITERATORS // 2:
                for key in list(iterators)[:excess]:
                    del iterators[key]


def _mail_request(environ: dict[str, Any], body: bytes) -> dict[str, Any]:
    """What the SES request itself says (moto keeps only one of text and HTML)."""
    content_type = environ.get("CONTENT_TYPE", "")
    if "x-www-form-urlencoded" in content_type:
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}

        def members(prefix: str) -> list[str]:
            keys = sorted(
                (k for k in form if k.startswith(f"{prefix}.member.")),
                key=lambda k: int(k.rsplit(".", 1)[-1]),
            )
            return [form[k] for k in keys]

        return {
            "text": form.get("Message.Body.Text.Data"),
            "html": form.get("Message.Body.Html.Data"),
            "subject": form.get("Message.Subject.Data"),
            "to": members("Destination.ToAddresses"),
            "cc": members("Destination.CcAddresses"),
            "bcc": members("Destination.BccAddresses"),
            "replyTo": members("ReplyToAddresses"),
        }
    if "json" in content_type or body.startswith(b"{"):
        try:
            document = json.loads(body or b"{}")
        except ValueError:
            return {}
        simple = (document.get("Content") or {}).get("Simple") or {}
        destination = document.get("Destination") or {}
        return {
            "text": ((simple.get("Body") or {}).get("Text") or {}).get("Data"),
            "html": ((simple.get("Body") or {}).get("Html") or {}).get("Data"),
            "subject": (simple.get("Subject") or {}).get("Data"),
            "to": destination.get("ToAddresses") or [],
            "cc": destination.get("CcAddresses") or [],
            "bcc": destination.get("BccAddresses") or [],
            "replyTo": document.get("ReplyToAddresses") or [],
        }
    return {}


def _mail_document(message: Any, request: dict[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": getattr(message, "id", None) or (getattr(message, "ids", None) or ["?"])[0],
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "source": getattr(message, "source", None),
        "to": [],
        "cc": [],
        "bcc": [],
        "replyTo": [],
        "subject": None,
        "text": None,
        "html": None,
    }
    raw = getattr(message, "raw_data", None)
    if raw is not None:
        parsed = email.message_from_string(raw, policy=email.policy.default)
        document.update(
            subject=parsed.get("Subject"),
            to=[str(a) for a in getattr(parsed.get("To"), "addresses", [])] or message.destinations,
            cc=[str(a) for a in getattr(parsed.get("Cc"), "addresses", [])],
            raw=raw,
        )
        for kind in ("plain", "html"):
            part = parsed.get_body(preferencelist=(kind,))
            if part is not None:
                document["text" if kind == "plain" else "html"] = part.get_content()
        return document
    destinations = getattr(message, "destinations", None) or {}
    if isinstance(destinations, dict):
        document.update(
            to=destinations.get("ToAddresses", []),
            cc=destinations.get("CcAddresses", []),
            bcc=destinations.get("BccAddresses", []),
        )
    if hasattr(message, "template"):
        document.update(template=message.template, templateData=message.template_data)
    document["subject"] = getattr(message, "subject", None)
    body = getattr(message, "body", None)
    for key in ("to", "cc", "bcc", "replyTo", "subject", "text", "html"):
        if request.get(key):
            document[key] = request[key]
    if body is not None and not (document["text"] or document["html"]):
        document["text"] = body
    return document


def _emit(event: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


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
    args = parser.parse_args(argv)

    _install_lock_pickling()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from moto.server import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    try:
        state = read_snapshot(args.state) if args.state else None
    except SnapshotError as exc:
        _emit({"event": "error", "message": str(exc)})
        return 2
    if state:
        restore_state(state)
    app = EmulatorApp(DomainDispatcherApplication(create_backend_app), args.state, args.outbox)
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            server = make_server(
                args.host, args.port, app, threaded=True, request_handler=_request_handler_class()
            )
    except (OSError, SystemExit) as exc:  # werkzeug exits when the port is taken
        _emit({"event": "error", "message": f"cannot listen on {args.host}:{args.port} ({exc})"})
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

    threading.Thread(target=server.serve_forever, name="emulator-http", daemon=True).start()
    threading.Thread(target=watch_parent, name="emulator-parent", daemon=True).start()
    restored = {
        service: sum(len(regions) for regions in accounts.values())
        for service, accounts in (state or {}).items()
    }
    _emit(
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
            _emit({"event": "warning", "message": f"snapshot failed: {exc!r}"})
            written = False
        pause = time.monotonic() - started if written else pause
    server.shutdown()
    app.snapshot()
    _emit({"event": "stopped", "requests": app.requests})
    return 0


class EmulatorError(Exception):
    """The emulator did not start or stopped unexpectedly (the reason in the message)."""


class EmulatorProcess:
    """The parent's handle on the emulator child: start, its URL, events, stop."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        state_file: Path | None = None,
        outbox_dir: Path | None = None,
        snapshot_interval: float = 5.0,
        on_event: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.state_file = state_file.resolve() if state_file is not None else None
        self.outbox_dir = outbox_dir.resolve() if outbox_dir is not None else None
        self.snapshot_interval = snapshot_interval
        self.on_event = on_event or (lambda _event: None)
        self.process: subprocess.Popen[bytes] | None = None
        self.ready: dict[str, Any] | None = None
        self._ready = threading.Event()
        self._error: str | None = None
        self._reader: threading.Thread | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` of the running emulator."""
        if self.ready is None:
            raise EmulatorError("the emulator is not running")
        return f"http://{self.host}:{self.ready['port']}"

    def start(self, timeout: float = 60.0) -> str:
        """Start the child and wait until it serves; return its URL."""
        self._ready.clear()
        self._error = None
        self.ready = None
        root = Path(__file__).resolve().parent.parent
        command = [sys.executable, "-m", "devserver.emulator", "--host", self.host]
        command += ["--port", str(self.port), "--snapshot-interval", str(self.snapshot_interval)]
        if self.state_file is not None:
            command += ["--state", str(self.state_file)]
        if self.outbox_dir is not None:
            command += ["--outbox", str(self.outbox_dir)]
        environment = {**os.environ, "PYTHONPATH": str(root), "PYTHONUNBUFFERED": "1"}
        # Its own session: a Ctrl-C in the terminal reaches the devserver only, which then
        # stops the emulator last, after the functions have finished writing.
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=root,
            env=environment,
            start_new_session=True,
        )
        self._reader = threading.Thread(
            target=self._read_events, name="emulator-events", daemon=True
        )
        self._reader.start()
        if not self._ready.wait(timeout):
            self.stop()
            raise EmulatorError(f"the emulator did not start within {timeout:.0f} s")
        if self._error is not None or self.ready is None:
            self.stop()
            raise EmulatorError(self._error or "the emulator stopped at start")
        return self.url

    def _read_events(self) -> None:
        assert self.process is not None
        assert self.process.stdout is not None
        for line in self.process.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            kind = event.get("event")
            if kind == "ready":
                self.ready = event
                self._ready.set()
            elif kind == "error":
                self._error = event.get("message")
                self._ready.set()
            else:
                with contextlib.suppress(Exception):
                    self.on_event(event)
        self._ready.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the child (it snapshots first); kill it if it does not stop in time."""
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(OSError):
                assert process.stdin is not None
                process.stdin.close()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.terminate()
                try:
                    process.wait(5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        if self._reader is not None:
            self._reader.join(5)
        for stream in (process.stdin, process.stdout):
            with contextlib.suppress(Exception):
                if stream is not None:
                    stream.close()
        self.process = None

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs."""
        return self.process.pid if self.process is not None else None

    def alive(self) -> bool:
        """Whether the child still runs."""
        return self.process is not None and self.process.poll() is None


if __name__ == "__main__":
    sys.exit(main())
