"""Typed errors of the message store.

Every error a caller can act on has its own class; ``ClientError`` never escapes the
store. Errors about bad input also derive from ``ValueError`` so that generic input
handling catches them.
"""

from __future__ import annotations


class MessageStoreError(Exception):
    """Base class of every error raised by the message store."""


class InvalidStreamNameError(MessageStoreError, ValueError):
    """A stream or category name does not follow ``category-id`` / ``category:type-id``."""


class InvalidExpectedVersionError(MessageStoreError, ValueError):
    """``expected_version`` is not ``None``, ``-1`` or a non-negative int."""


class InvalidArgumentError(MessageStoreError, ValueError):
    """Any other argument out of its domain (a position, a page size, a cursor)."""


class MessageDataError(MessageStoreError, ValueError):
    """A message's data or metadata is not a JSON value the store can keep exactly."""


class MessageTooLargeError(MessageStoreError, ValueError):
    """A message's encoded data and metadata exceed ``MAX_MESSAGE_BYTES``."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"message is {size} bytes of JSON; the limit is {limit} bytes")
        self.size = size
        self.limit = limit


class VersionConflictError(MessageStoreError):
    """The stream was not at the version the writer expected; nothing was written."""

    def __init__(self, stream_name: str, expected_version: int | None, actual_version: int) -> None:
        expected = "any (append)" if expected_version is None else str(expected_version)
        super().__init__(
            f"wrong expected version for stream {stream_name!r}: "
            f"expected {expected}, actual {actual_version}"
        )
        self.stream_name = stream_name
        self.expected_version = expected_version
        self.actual_version = actual_version


class WriteContentionError(VersionConflictError):
    """An append without expected version lost the race every one of its bounded attempts."""


class MessageStoreUnavailableError(MessageStoreError):
    """DynamoDB refused or failed a request after the SDK's retries."""


class InvalidMessageError(MessageStoreError, ValueError):
    """A message does not follow its contract: it can never be applied, whatever is retried.

    Raised when a message's data fails its contract class's validation, or by a handler
    about the message it was given (a rule of the contract that validation cannot see).
    Consumers skip such a message and record it; they never retry it.
    """


class ProjectionError(MessageStoreError):
    """A message of a fetched stream could not be folded (it fails its contract).

    Not an ``InvalidMessageError``: the message being handled may be fine; the entity it
    needs cannot be read. The handler fails, and retries, until someone repairs the stream.
    """
