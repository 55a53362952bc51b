"""admin-streams: every stream of the store — its category, how many messages, the last one.

Reads every message of every category (its declaration says so: no filter). A stream's item
is the stream's own, built from its last message alone (its position + 1 is the count), so a
redelivery, a gap or a message of any type changes nothing but that item — and no item or
counter takes every message (a category's stream count changes only when a stream appears).
"""

from __future__ import annotations

from message_store import Projection, StoredMessage
from message_store import category as category_of
from message_store.aggregator import Aggregator
from message_store.message import format_time

from ..views.admin_streams import AdminStreamsViews, StreamSummary

NAME = "admin-streams"


def stream_of(message: StoredMessage) -> str:
    """The item of a message: its stream."""
    return message.stream_name


def _summarise(summary: StreamSummary, message: StoredMessage) -> StreamSummary:
    if message.position <= summary.last_position:
        return summary
    return StreamSummary(
        stream_name=message.stream_name,
        category=category_of(message.stream_name),
        messages=message.position + 1,
        last_message_id=message.id,
        last_type=message.type,
        last_position=message.position,
        last_time=format_time(message.time),
        last_global_position=message.global_position,
    )


admin_streams_projection: Projection[StreamSummary] = Projection(
    initial=StreamSummary, every_message=_summarise
)

admin_streams_aggregator: Aggregator[StreamSummary] = Aggregator(
    NAME, admin_streams_projection, key_of=stream_of, views=AdminStreamsViews
)
