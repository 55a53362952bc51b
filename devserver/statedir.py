"""The state directory: one devserver at a time, its data, and where it can be reached.

It holds the emulator's snapshot (``emulator.pickle``), the mappings' checkpoints
(``checkpoints.json``), the SES outbox and ``devserver.json`` (the running devserver's URLs
and process ids, for ``python -m devserver invoke`` and other tools). A lock file keeps a
second devserver off it; ``--reset`` empties it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
from pathlib import Path
from typing import Any

from .errors import DevServerError
from .outbox import clear_outbox

RUNTIME_FILE = "devserver.json"
_DATA_FILES = ("emulator.pickle", "emulator.tmp", "checkpoints.json", RUNTIME_FILE)


class StateDir:
    """A state directory held (locked) by this devserver until ``release``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock_file: Any = None

    def file(self, name: str) -> Path:
        """A file of the state directory."""
        return self.path / name

    def acquire(self, *, reset: bool) -> None:
        """Lock the directory (``DevServerError`` when another devserver holds it)."""
        self.path.mkdir(parents=True, exist_ok=True)
        self._lock_file = open(self.path / "devserver.lock", "a+")  # noqa: SIM115 - held until release
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock_file.close()
            self._lock_file = None
            raise DevServerError(
                f"another devserver is using {self.path} (stop it, or pass another --state-dir)"
            ) from None
        if reset:
            for name in _DATA_FILES:
                with contextlib.suppress(FileNotFoundError):
                    (self.path / name).unlink()
            clear_outbox(self.path)

    def write_runtime(self, document: dict[str, Any]) -> None:
        """Say where the running devserver can be reached (``devserver.json``)."""
        (self.path / RUNTIME_FILE).write_text(json.dumps(document), encoding="utf-8")

    def release(self) -> None:
        """Forget the runtime file and unlock the directory (if this devserver holds it)."""
        if self._lock_file is None:
            return  # another devserver's: its runtime file is not ours to remove
        with contextlib.suppress(FileNotFoundError):
            (self.path / RUNTIME_FILE).unlink()
        with contextlib.suppress(OSError):
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
        self._lock_file.close()
        self._lock_file = None


def running_runtime(path: Path) -> dict[str, Any] | None:
    """``devserver.json`` of a devserver running on ``path`` now, if one is."""
    lock = path / "devserver.lock"
    runtime = path / RUNTIME_FILE
    if not lock.exists() or not runtime.exists():
        return None
    with open(lock, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return json.loads(runtime.read_text(encoding="utf-8"))
        fcntl.flock(handle, fcntl.LOCK_UN)
    return None
