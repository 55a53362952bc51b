"""The codec keeps JSON numbers' kinds and refuses what is not JSON."""

from __future__ import annotations

import pytest

from message_store import MessageDataError
from message_store.codec import decode_map, encode_map


def normalised_by_dynamodb(attribute):
    """What DynamoDB gives back: numbers normalised (1.50 -> 1.5, 1.0 -> 1)."""
    from decimal import Decimal

    if isinstance(attribute, dict):
        if set(attribute) == {"N"}:
            text = format(Decimal(attribute["N"]).normalize(), "f")
            return {"N": text}
        return {key: normalised_by_dynamodb(value) for key, value in attribute.items()}
    if isinstance(attribute, list):
        return [normalised_by_dynamodb(item) for item in attribute]
    return attribute


@pytest.mark.parametrize(
    "data",
    [
        {"i": 7, "f": 7.0, "h": 7.5, "neg": -0.0, "e": 1e-7, "big": 2.0**70},
        {"long": 123456789012345678901234567890123456789012},
        {"s": "", "l": [], "m": {}, "n": None, "b": False},
        {"$i": 1},
        {"x": {"$m": {"$f": 2}}},
    ],
)
def test_round_trip_through_dynamodbs_normalisation(data):
    decoded = decode_map(normalised_by_dynamodb(encode_map(data)))
    assert decoded == data
    assert repr(decoded) == repr(data)


def test_non_integral_floats_are_plain_numbers():
    assert encode_map({"x": 0.25}) == {"x": {"N": "0.25"}}
    assert encode_map({"x": 3}) == {"x": {"N": "3"}}


@pytest.mark.parametrize("value", [float("nan"), float("-inf"), object(), {1, 2}, b"x"])
def test_non_json_values_are_refused_with_their_path(value):
    with pytest.raises(MessageDataError, match=r"data\.outer\[0\]"):
        encode_map({"outer": [value]})
