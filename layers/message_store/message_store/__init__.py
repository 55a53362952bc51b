"""A message store with message-db's semantics on DynamoDB, and the glue that runs on it.

Knows nothing about videos: streams, messages, projections, the stream-consumer runtime.
"""

from .errors import (
    InvalidArgumentError,
    InvalidExpectedVersionError,
    InvalidStreamNameError,
    MessageDataError,
    MessageStoreError,
    MessageStoreUnavailableError,
    MessageTooLargeError,
    VersionConflictError,
    WriteContentionError,
)
from .message import Message, Metadata
from .projection import Projection
from .settings import MAX_MESSAGE_BYTES, MessageStoreSettings
from .store import MessageStore
from .stream_name import (
    category,
    command_stream_name,
    id,  # noqa: A004 - the helper message-db and the book name
    is_category,
    stream_name,
)

__all__ = [
    "MAX_MESSAGE_BYTES",
    "InvalidArgumentError",
    "InvalidExpectedVersionError",
    "InvalidStreamNameError",
    "Message",
    "MessageDataError",
    "MessageStore",
    "MessageStoreError",
    "MessageStoreSettings",
    "MessageStoreUnavailableError",
    "MessageTooLargeError",
    "Metadata",
    "Projection",
    "VersionConflictError",
    "WriteContentionError",
    "category",
    "command_stream_name",
    "id",
    "is_category",
    "stream_name",
]
