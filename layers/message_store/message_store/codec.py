"""Exact round-tripping of JSON values through DynamoDB attribute values.

DynamoDB has one number type and normalises it (``1.0`` comes back as ``1``), keeps at most
38 significant digits and a limited exponent range. JSON distinguishes ints from floats, so:

* ints of up to 38 digits and non-integral floats inside DynamoDB's range are stored as ``N``
  (a non-integral float always reads back with a ``.``, so it stays a float);
* every other number is stored as a tagged map — ``{"$f": "1.0"}`` for a float,
  ``{"$i": "123…"}`` for a long int — whose string is the exact Python ``repr``;
* a user map whose only key is one of the tags is wrapped as ``{"$m": map}`` so that it is
  never mistaken for a tag.

Everything that is not a JSON value (NaN, infinity, bytes, sets, dates, non-string keys) is
refused with ``MessageDataError`` naming where it was found.
"""

from __future__ import annotations

import math
from typing import Any

from .errors import MessageDataError

_FLOAT_TAG = "$f"
_INT_TAG = "$i"
_MAP_TAG = "$m"
_TAGS = frozenset({_FLOAT_TAG, _INT_TAG, _MAP_TAG})

_MAX_DIGITS = 38
_MIN_EXPONENT = -130
_MAX_ABS = 9.9999999999999999999999999999999999999e125

AttributeValue = dict[str, Any]


def encode_value(value: Any, path: str = "data") -> AttributeValue:
    """Encode one JSON value as a low-level DynamoDB attribute value."""
    # bool before int: bool is a subclass of int
    if value is None:
        return {"NULL": True}
    if value is True or value is False:
        return {"BOOL": value}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, int):
        text = str(int(value))
        if len(text.lstrip("-")) <= _MAX_DIGITS:
            return {"N": text}
        return {"M": {_INT_TAG: {"S": text}}}
    if isinstance(value, float):
        if not math.isfinite(value):
            raise MessageDataError(f"{path}: {value!r} is not a JSON number")
        text = repr(value)
        magnitude = abs(value)
        if not value.is_integer() and 10.0**_MIN_EXPONENT <= magnitude <= _MAX_ABS:
            return {"N": text}
        return {"M": {_FLOAT_TAG: {"S": text}}}
    if isinstance(value, dict):
        return {"M": encode_map(value, path)}
    if isinstance(value, list | tuple):
        return {"L": [encode_value(item, f"{path}[{index}]") for index, item in enumerate(value)]}
    raise MessageDataError(f"{path}: {type(value).__name__} is not a JSON value")


def encode_map(value: dict[Any, Any], path: str = "data") -> dict[str, AttributeValue]:
    """Encode a JSON object as the ``M`` of a DynamoDB attribute value."""
    encoded: dict[str, AttributeValue] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise MessageDataError(f"{path}: key {key!r} is not a string")
        encoded[key] = encode_value(item, f"{path}.{key}")
    if len(encoded) == 1 and next(iter(encoded)) in _TAGS:
        return {_MAP_TAG: {"M": encoded}}
    return encoded


def decode_value(attribute: AttributeValue) -> Any:
    """Decode a low-level DynamoDB attribute value written by ``encode_value``."""
    ((kind, raw),) = attribute.items()
    if kind == "S":
        return raw
    if kind == "N":
        if "." in raw or "e" in raw or "E" in raw:
            return float(raw)
        return int(raw)
    if kind == "M":
        return decode_map(raw)
    if kind == "L":
        return [decode_value(item) for item in raw]
    if kind == "BOOL":
        return raw
    if kind == "NULL":
        return None
    raise MessageDataError(f"attribute type {kind!r} was not written by the message store")


def decode_map(raw: dict[str, AttributeValue]) -> Any:
    """Decode the ``M`` of an attribute value written by ``encode_map`` (tags resolved)."""
    if len(raw) == 1:
        ((key, inner),) = raw.items()
        if key == _FLOAT_TAG:
            return float(inner["S"])
        if key == _INT_TAG:
            return int(inner["S"])
        if key == _MAP_TAG:
            return {name: decode_value(item) for name, item in inner["M"].items()}
    return {name: decode_value(item) for name, item in raw.items()}
