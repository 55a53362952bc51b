"""Commands run once everything is up (``--run-at-start``): seeding demo data and the like.

Each command runs with the shell, in the template's folder, one after the other on a thread
of their own (the devserver serves meanwhile, so a command may use the API), with an
environment pointing at the devserver (``command_environment``): a tool that finds AWS
through the usual variables, or the devserver through ``DEVSERVER_STATE_DIR``, works
unchanged. Its output lines go to the console, always, prefixed ``run |``; its end, with
its exit status, too. A failing command is reported and the devserver keeps running.

A command runs in a session of its own, so a Ctrl-C reaches the devserver only; ``stop``
ends a command still running (its whole process group), as the devserver stops.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from .console import Console

#: how long a command gets to end after SIGTERM before it is killed
_STOP_GRACE_SECONDS = 3.0


def command_environment(
    host: Mapping[str, str],
    *,
    region: str,
    endpoint_url: str | None,
    credentials: Mapping[str, str] | None,
    state_dir: Path | None,
    api_url: str | None,
    lambda_url: str | None,
) -> dict[str, str]:
    """The host's environment, pointed at the devserver.

    ``AWS_ENDPOINT_URL`` is the emulator (or the ``--endpoint-url`` target; absent for AWS
    itself); ``credentials`` are the emulator's placeholders (``None``: the host's own).
    """
    environment = dict(host)
    environment.pop("AWS_ENDPOINT_URL", None)
    if endpoint_url is not None:
        environment["AWS_ENDPOINT_URL"] = endpoint_url
    if credentials is not None:
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            environment.pop(name, None)  # the host's set-up must not win over the emulator's
        environment.update(credentials)
    environment["AWS_REGION"] = environment["AWS_DEFAULT_REGION"] = region
    # moto routes DynamoDB Streams only on the regional endpoint (DESIGN.md section 7)
    environment["AWS_ACCOUNT_ID_ENDPOINT_MODE"] = "disabled"
    for name, value in (
        ("DEVSERVER_STATE_DIR", str(state_dir.resolve()) if state_dir is not None else None),
        ("DEVSERVER_API_URL", api_url),
        ("DEVSERVER_LAMBDA_URL", lambda_url),
    ):
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    return environment


class StartCommands:
    """The ``--run-at-start`` commands: run in order on a thread; ``wait`` and ``stop``."""

    def __init__(
        self,
        commands: Sequence[str],
        *,
        cwd: Path,
        environment: Mapping[str, str],
        console: Console,
    ) -> None:
        self.commands = tuple(commands)
        self.cwd = cwd
        self.environment = dict(environment)
        self.console = console
        #: each finished command's exit status, in order (negative: ended by that signal)
        self.statuses: list[int] = []
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._stopping = False
        self._thread = threading.Thread(target=self._run_all, name="run-at-start", daemon=True)

    def start(self) -> None:
        """Run the commands, one after the other, on a thread of their own."""
        self._thread.start()

    def wait(self, timeout: float | None = None) -> list[int]:
        """Wait until every command has ended; their exit statuses (``TimeoutError``)."""
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError(f"--run-at-start commands still running after {timeout} s")
        return list(self.statuses)

    def stop(self) -> None:
        """End the command running now (its process group) and start no other."""
        with self._lock:
            self._stopping = True
            process = self._process
        if process is not None and process.poll() is None:
            _end(process)
        if self._thread.is_alive():
            self._thread.join(_STOP_GRACE_SECONDS + 2)

    def _run_all(self) -> None:
        for command in self.commands:
            with self._lock:
                if self._stopping:
                    return
                self.console.run_started(command)
                started = time.monotonic()
                try:
                    # the developer's own command line, run as make would run it
                    self._process = subprocess.Popen(  # noqa: S602
                        command,
                        shell=True,
                        cwd=self.cwd,
                        env=self.environment,
                        stdin=subprocess.DEVNULL,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                except OSError as exc:
                    self.console.run_ended(command, None, 0.0, str(exc))
                    self.statuses.append(127)
                    continue
                process = self._process
            assert process.stdout is not None
            for raw in process.stdout:
                self.console.run_output(raw.decode("utf-8", errors="replace").rstrip("\r\n"))
            status = process.wait()
            with self._lock:
                self._process = None
                self.statuses.append(status)
                stopped = self._stopping
            self.console.run_ended(command, status, time.monotonic() - started, stopped=stopped)


def _end(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the command's process group, then SIGKILL if it does not end."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(_STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
