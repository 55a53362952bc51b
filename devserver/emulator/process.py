"""The parent's handle on the emulator child: start it, read its events, stop it.

The child runs in its own session, so a Ctrl-C in the terminal reaches the devserver only,
which stops the emulator last, after the functions have finished writing. Its stdin is a
pipe the parent never writes to: when the parent ends for any reason, even ``kill -9``,
the pipe closes and the child stops.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any


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
        report_writes: bool = False,
        on_event: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.state_file = state_file.resolve() if state_file is not None else None
        self.outbox_dir = outbox_dir.resolve() if outbox_dir is not None else None
        self.snapshot_interval = snapshot_interval
        self.report_writes = report_writes
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
        root = Path(__file__).resolve().parents[2]
        command = [sys.executable, "-m", "devserver.emulator", "--host", self.host]
        command += ["--port", str(self.port), "--snapshot-interval", str(self.snapshot_interval)]
        if self.state_file is not None:
            command += ["--state", str(self.state_file)]
        if self.outbox_dir is not None:
            command += ["--outbox", str(self.outbox_dir)]
        if self.report_writes:
            command.append("--report-writes")
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
