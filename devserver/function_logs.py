"""A function's log lines, as the console shows them without ``--verbose``: errors only.

Every ``ERROR`` or ``CRITICAL`` line a function writes is shown, so that the console says
which message failed and why, not only how many. Functions whose ``LoggingConfig`` is JSON
(Powertools, or Lambda's own JSON format) write one object a line with ``level`` and
``message``: the message is shown, then the other keys, compactly (the fields every line
carries — timestamps, the function's name and ARN, request and trace ids — are left
out; an exception shows its last line). A plain-text line is shown as it is when it says
``ERROR`` or ``CRITICAL``.
"""

from __future__ import annotations

import json
from typing import Any

_ERROR_LEVELS = frozenset({"ERROR", "CRITICAL", "FATAL"})
# the keys every Powertools (or Lambda JSON) line carries: noise on a console line
_ROUTINE_KEYS = frozenset(
    {
        "level",
        "levelname",
        "message",
        "msg",
        "timestamp",
        "time",
        "service",
        "logger",
        "cold_start",
        "function_name",
        "function_memory_size",
        "function_arn",
        "function_request_id",
        "requestId",
        "xray_trace_id",
        "sampling_rate",
    }
)
_LONGEST_VALUE = 160


def error_line(line: str) -> str | None:
    """The console text of an ``ERROR``/``CRITICAL`` log line; None for any other line."""
    text = line.strip()
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except ValueError:
            document = None
        if isinstance(document, dict):
            level = str(document.get("level") or document.get("levelname") or "").upper()
            return _compact(level, document) if level in _ERROR_LEVELS else None
    return line if "ERROR" in line or "CRITICAL" in line else None


def _compact(level: str, document: dict[str, Any]) -> str:
    message = document.get("message", document.get("msg", ""))
    parts = [f"{level} {_text(message)}"]
    for key, value in document.items():
        if key in _ROUTINE_KEYS or value in (None, "", [], {}):
            continue
        if key == "exception" and isinstance(value, str):
            value = value.strip().splitlines()[-1]  # the traceback is there with --verbose
        parts.append(f"{key}={_text(value)}")
    return "  ".join(parts)


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return text if len(text) <= _LONGEST_VALUE else text[: _LONGEST_VALUE - 1] + "…"
