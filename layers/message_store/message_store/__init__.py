"""A message store with message-db's semantics on DynamoDB, and the glue that runs on it.

Knows nothing about videos: streams, messages and their contracts, projections, the
consumer runtime (components, aggregators, the relay of the queue topology).
"""

from .contract import Contract
from .errors import (
    InvalidArgumentError,
    InvalidExpectedVersionError,
    InvalidMessageError,
    InvalidStreamNameError,
    MessageDataError,
    MessageStoreError,
    MessageStoreUnavailableError,
    MessageTooLargeError,
    ProjectionError,
    VersionConflictError,
    WriteContentionError,
)
from .message import Message, Metadata, StoredMessage
from .projection import Projection
from .settings import MAX_MESSAGE_BYTES, MessageStoreSettings
from .store import MessageStore
from .stream_name import (
    cardinal_id,
    category,
    command_stream_name,
    compound_id,
    id,  # noqa: A004 - the helper message-db and the book name
    is_category,
    stream_name,
)

__all__ = [
    "MAX_MESSAGE_BYTES",
    "Contract",
    "InvalidArgumentError",
    "InvalidExpectedVersionError",
    "InvalidMessageError",
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
    "ProjectionError",
    "StoredMessage",
    "VersionConflictError",
    "WriteContentionError",
    "cardinal_id",
    "category",
    "command_stream_name",
    "compound_id",
    "id",
    "is_category",
    "stream_name",
]
