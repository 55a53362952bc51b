"""Data and metadata come back exactly as they were written."""

from __future__ import annotations

import pytest

from message_store import Metadata
from tests.support.factories import a_message, a_stream

VALUES = [
    pytest.param({"text": "héllo wörld — 日本語 🎬", "empty": ""}, id="unicode"),
    pytest.param({"a": {"b": {"c": [1, [2, [3, {"d": None}]]]}}}, id="nesting"),
    pytest.param({"int": 1, "float": 1.0, "neg": -0.0, "half": 0.5, "big": 10**40}, id="numbers"),
    pytest.param({"tiny": 5e-324, "huge": 1.7976931348623157e308, "third": 1 / 3}, id="floats"),
    pytest.param({"nothing": None, "yes": True, "no": False}, id="nulls-and-bools"),
    pytest.param({"map": {}, "list": [], "deep": {"x": {}}}, id="empty"),
    pytest.param({"$f": "1.0", "$m": {"$i": 3}}, id="keys-like-the-codec-tags"),
    pytest.param({"only": {"$f": "not a float"}}, id="a-lone-tag-like-key"),
]


@pytest.mark.parametrize("data", VALUES)
def test_data_round_trips_exactly(store, data):
    stream = a_stream()
    store.write(stream, a_message(data=data))

    (read,) = store.read_stream(stream)

    assert read.data == data
    assert _types(read.data) == _types(data)


def test_metadata_round_trips_with_extra_keys(store):
    stream = a_stream()
    metadata = Metadata(trace_id="t-1", user_id="u-1", schemaVersion=2)
    store.write(stream, a_message(metadata=metadata))

    (read,) = store.read_stream(stream)

    assert read.metadata == metadata
    assert read.metadata.model_extra == {"schemaVersion": 2}


def _types(value):
    """The value's shape with every leaf replaced by its type: 1 and 1.0 differ."""
    if isinstance(value, dict):
        return {key: _types(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_types(item) for item in value]
    return type(value)
