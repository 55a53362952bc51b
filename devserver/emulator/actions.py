"""What a request to the emulator asks for: its action, and whether it changes anything.

The action is in ``X-Amz-Target`` (JSON protocols), or the ``Action`` field of a form
(query protocols); a plain GET or HEAD (S3) reads. A request is taken to change state
unless its action reads (``Get…``, ``Describe…``, ``List…``, ``Query``, ``Scan`` …): the
snapshot loop writes a snapshot only after such a request.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

_READ_ACTION_PREFIXES = (
    "Get",
    "Describe",
    "List",
    "Query",
    "Scan",
    "BatchGet",
    "TransactGet",
)


def action_of(environ: dict[str, Any], body: bytes) -> str | None:
    """The API action of a request (None when it names none: S3's REST writes)."""
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return target.rsplit(".", 1)[-1]
    if "x-www-form-urlencoded" in environ.get("CONTENT_TYPE", ""):
        values = parse_qs(body.decode("utf-8", "replace")).get("Action")
        return values[0] if values else None
    if environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
        return "Get"
    return None


def reads_only(action: str | None) -> bool:
    """Whether a request with this action leaves the emulator's state as it was."""
    return action is not None and action.startswith(_READ_ACTION_PREFIXES)
