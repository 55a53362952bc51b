"""Message-store items (as DynamoDB returns them, or as a stream record's image) to messages."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .codec import decode_map
from .message import Metadata, StoredMessage


def message_from_item(item: Mapping[str, Any]) -> StoredMessage:
    """The message a message-store item holds (``KeyError``/``ValueError`` when it is none)."""
    return StoredMessage(
        id=item["id"]["S"],
        type=item["type"]["S"],
        stream_name=item["streamName"]["S"],
        position=int(item["position"]["N"]),
        global_position=item["globalPosition"]["S"],
        data=decode_map(item["data"]["M"]),
        metadata=Metadata.model_validate(decode_map(item["metadata"]["M"])),
        time=datetime.fromisoformat(item["time"]["S"]),
    )
