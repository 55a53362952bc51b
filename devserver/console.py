"""The devserver's console: one line per HTTP request, per batch and per mail.

Lines are written whole under a lock (threads never interleave inside a line). A batch's
line names the records that failed; a failing invocation always shows its error, and with
``--verbose`` its traceback too. Functions' own log lines are shown with ``--verbose``;
without it, their ``ERROR`` and ``CRITICAL`` lines still are (see ``function_logs``).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Sequence
from typing import Any, TextIO

from .function_logs import error_line

#: failed records named on a batch's line (the rest are counted)
FAILED_NAMED = 3

_COLOURS = {"ok": "32", "warn": "33", "error": "31", "dim": "2", "bold": "1"}


class Console:
    """Writes the devserver's lines to a stream (stdout by default); ``None`` is silent."""

    def __init__(
        self,
        stream: TextIO | None = sys.stdout,
        *,
        verbose: bool = False,
        colour: bool | None = None,
    ) -> None:
        self.stream = stream
        self.verbose = verbose
        self.colour = bool(stream is not None and stream.isatty()) if colour is None else colour
        self._lock = threading.Lock()

    def _paint(self, text: str, style: str) -> str:
        return f"\033[{_COLOURS[style]}m{text}\033[0m" if self.colour else text

    def line(self, text: str) -> None:
        """Write one line as it is."""
        if self.stream is None:
            return
        with self._lock:
            self.stream.write(text + "\n")
            self.stream.flush()

    def _stamped(self, kind: str, text: str, style: str | None = None) -> None:
        stamp = time.strftime("%H:%M:%S") + f".{int(time.time() * 1000) % 1000:03d}"
        label = f"{kind:<6}"
        body = self._paint(text, style) if style else text
        self.line(f"{self._paint(stamp, 'dim')} {label} {body}")

    def request(
        self, method: str, path: str, status: int, elapsed_ms: float, function: str | None
    ) -> None:
        """One HTTP request: method, path, status, milliseconds, function."""
        style = "ok" if status < 400 else "warn" if status < 500 else "error"
        status_text = self._paint(str(status), style)
        where = function or "-"
        self._stamped("http", f"{method:<7} {path:<40} {status_text} {elapsed_ms:7.1f} ms  {where}")

    def batch(
        self,
        function: str,
        records: int,
        failures: int,
        elapsed_ms: float,
        note: str = "",
        failed: Sequence[str] = (),
    ) -> None:
        """One batch delivered to a consumer: records, failures, milliseconds, which failed."""
        style = "ok" if failures == 0 and not note.startswith("error") else "warn"
        counts = self._paint(f"{records:>3} records {failures:>3} failed", style)
        suffix = f"  {note}" if note else ""
        if failed:
            named = ", ".join(failed[:FAILED_NAMED])
            more = f" and {len(failed) - FAILED_NAMED} more" if len(failed) > FAILED_NAMED else ""
            suffix += f"  failed: {named}{more}"
        self._stamped("batch", f"{function:<32} {counts} {elapsed_ms:7.1f} ms{suffix}")

    def mail(self, event: dict[str, Any]) -> None:
        """One mail sent through SES (written to the outbox)."""
        to = ", ".join(event.get("to") or []) or "?"
        self._stamped("mail", f"to {to}  {event.get('subject')!r}  → {event.get('file')}")

    def error(self, function: str, message: str, stack: tuple[str, ...] = ()) -> None:
        """An invocation's error (its stack with --verbose)."""
        self._stamped("error", f"{function}: {message}", "error")
        if self.verbose:
            for line in stack:
                for part in line.splitlines():
                    self.line(self._paint(f"        {part}", "dim"))

    def run_started(self, command: str) -> None:
        """A ``--run-at-start`` command starts."""
        self._stamped("run", f"$ {command}")

    def run_output(self, line: str) -> None:
        """A line a ``--run-at-start`` command wrote (always shown)."""
        self.line(f"{self._paint('run', 'dim')} | {line}")

    def run_ended(
        self,
        command: str,
        status: int | None,
        seconds: float,
        error: str | None = None,
        *,
        stopped: bool = False,
    ) -> None:
        """A ``--run-at-start`` command ended: its exit status (a failure in red)."""
        if error is not None:
            self._stamped("run", f"cannot run {command!r}: {error}", "error")
        elif stopped:
            self._stamped("run", f"stopped with the devserver after {seconds:.1f} s: {command}")
        elif status == 0:
            self._stamped("run", f"done in {seconds:.1f} s: {command}", "ok")
        else:
            how = (
                f"killed by signal {-status}" if status and status < 0 else f"exit status {status}"
            )
            self._stamped("run", f"failed ({how}) after {seconds:.1f} s: {command}", "error")

    def notice(self, text: str) -> None:
        """Something the user should know (a warning)."""
        self._stamped("note", text, "warn")

    def function_log(self, function: str, line: str) -> None:
        """A function's own log line: every line with --verbose, else its errors only."""
        if self.verbose:
            self.line(f"{self._paint(function, 'dim')} | {line}")
            return
        text = error_line(line)
        if text is not None:
            self._stamped("log", f"{function}: {text}", "error")
