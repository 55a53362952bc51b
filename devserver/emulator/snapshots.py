"""moto's state on disk: every backend pickled into one file, restored at start.

moto keeps nothing on disk. A snapshot holds every backend by service, account and region:
tables with their items, streams with their records, sequence numbers and ARNs, queues and
their messages, buckets and objects, secrets, identities. Shard iterators are left out (they
expire, as DynamoDB's do). A snapshot written by another moto version is refused.
"""

from __future__ import annotations

import _thread
import copyreg
import pickle
import threading
from pathlib import Path
from typing import Any

SNAPSHOT_FORMAT = 1


class SnapshotError(Exception):
    """The state file cannot be restored (named in the message)."""


def install_lock_pickling() -> None:
    """Locks pickle as fresh locks (SQS queues and S3 keys hold them)."""
    copyreg.pickle(_thread.RLock, lambda _lock: (threading.RLock, ()))
    copyreg.pickle(_thread.LockType, lambda _lock: (threading.Lock, ()))


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


def snapshot_bytes() -> bytes:
    """The pickled snapshot of every backend (the caller holds the emulator's lock)."""
    import moto

    return pickle.dumps(
        {"format": SNAPSHOT_FORMAT, "moto": moto.__version__, "backends": snapshot_state()},
        protocol=pickle.HIGHEST_PROTOCOL,
    )


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
