"""Stream names: ``category-id`` for entity streams, ``category:command-id`` for commands.

The category is everything before the first ``-``; the id is everything after it (ids may
contain ``-``, as UUIDs do). A name without ``-`` is a category. An id may be compound, as
message-db has them: ``viewing-{videoId}+{shard}`` is one of several streams of the same
entity; its *cardinal id* is the part before the first ``+`` (the video's id), the id of the
entity the streams share.
"""

from __future__ import annotations

import re

from .errors import InvalidStreamNameError

MAX_STREAM_NAME_LENGTH = 255

_CATEGORY = r"[A-Za-z][A-Za-z0-9]*(?::[A-Za-z][A-Za-z0-9]*(?:\+[A-Za-z][A-Za-z0-9]*)*)?"
_ID = r"[A-Za-z0-9][A-Za-z0-9_.+=\-]*"
_CATEGORY_RE = re.compile(rf"^{_CATEGORY}$")
_STREAM_RE = re.compile(rf"^({_CATEGORY})-({_ID})$")


def validate_stream_name(name: object) -> str:
    """Return ``name`` if it is a valid stream name (``category-id``), else raise."""
    if not isinstance(name, str):
        raise InvalidStreamNameError(f"stream name must be a string, not {type(name).__name__}")
    if len(name) > MAX_STREAM_NAME_LENGTH:
        raise InvalidStreamNameError(
            f"stream name is {len(name)} characters; the limit is {MAX_STREAM_NAME_LENGTH}"
        )
    if not _STREAM_RE.match(name):
        raise InvalidStreamNameError(
            f"invalid stream name {name!r}: expected 'category-id' or 'category:command-id' "
            "(category letters and digits, starting with a letter; id letters, digits, '-_.+=')"
        )
    return name


def validate_category(name: object) -> str:
    """Return ``name`` if it is a valid category (``category`` or ``category:type``), else raise."""
    if not isinstance(name, str):
        raise InvalidStreamNameError(f"category must be a string, not {type(name).__name__}")
    if not _CATEGORY_RE.match(name):
        raise InvalidStreamNameError(
            f"invalid category {name!r}: letters and digits starting with a letter, "
            "optionally followed by ':type' (e.g. 'identity' or 'identity:command')"
        )
    return name


def category(stream_name: str) -> str:
    """The category of a stream name: ``"identity:command-1"`` → ``"identity:command"``."""
    return stream_name.split("-", 1)[0]


def id(stream_name: str) -> str | None:  # noqa: A001 - the name message-db and the book use
    """The id of a stream name: ``"identity-1f0a-…"`` → ``"1f0a-…"``; ``None`` for a category."""
    parts = stream_name.split("-", 1)
    return parts[1] if len(parts) == 2 else None


def cardinal_id(stream_name: str) -> str | None:
    """The cardinal id of a stream name: its id up to the first ``+``.

    ``"viewing-1f0a-…+7"`` → ``"1f0a-…"``; an id that is not compound is its own cardinal id
    (``"viewing-1f0a-…"`` → ``"1f0a-…"``); ``None`` for a category.
    """
    stream_id = id(stream_name)
    return stream_id.split("+", 1)[0] if stream_id is not None else None


def compound_id(cardinal: str, *parts: str | int) -> str:
    """A compound id: ``compound_id(videoId, 7)`` → ``"{videoId}+7"``."""
    return "+".join([cardinal, *(str(part) for part in parts)])


def is_category(name: str) -> bool:
    """True when ``name`` names a whole category rather than one stream."""
    return "-" not in name


def stream_name(category_name: str, stream_id: str, *, type: str | None = None) -> str:  # noqa: A002
    """Build a validated stream name: ``stream_name("identity", uid, type="command")``."""
    full_category = f"{category_name}:{type}" if type else category_name
    return validate_stream_name(f"{full_category}-{stream_id}")


def command_stream_name(category_name: str, stream_id: str) -> str:
    """``command_stream_name("identity", uid)`` → ``"identity:command-<uid>"``."""
    return stream_name(category_name, stream_id, type="command")
