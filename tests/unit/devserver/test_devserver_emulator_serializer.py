"""The emulator writes DynamoDB attribute values out directly (``emulator.fixes``): the
response bodies are exactly those moto's model walk writes, for every kind of value, in
items, lists of items, batches and stream records."""

from __future__ import annotations

import json
from typing import Any

import pytest
from moto.core.serialize import JSONSerializer, XFormedAttributePicker
from moto.core.utils import get_service_model

from devserver.emulator import fixes

EVERY_KIND = {
    "text": {"S": "héllo"},
    "empty": {"S": ""},
    "number": {"N": "12.5"},
    "bytes": {"B": b"\x00\x01binary"},
    "texts": {"SS": ["a", "b"]},
    "numbers": {"NS": ["1", "2"]},
    "blobs": {"BS": [b"x", b"y"]},
    "nothing": {"NULL": True},
    "yes": {"BOOL": True},
    "no": {"BOOL": False},
    "positions": {"L": [{"N": str(n)} for n in range(128)]},
    "nested": {
        "M": {
            "list": {"L": [{"S": "a"}, {"M": {"deep": {"N": "1"}}}, {"NULL": True}]},
            "bytes": {"B": b"z"},
        }
    },
}


class CountingPicker(XFormedAttributePicker):
    """moto's attribute picker, counting the lookups of the model walk."""

    lookups = 0

    def __call__(self, context: Any) -> Any:
        self.lookups += 1
        return super().__call__(context)


def body(
    serializer_method: Any,
    service: str,
    operation: str,
    result: dict[str, Any],
    picker: XFormedAttributePicker | None = None,
) -> Any:
    """The JSON body moto writes for ``result`` with ``serializer_method`` for structures."""
    model = get_service_model(service).operation_model(operation)

    class Serializer(JSONSerializer):
        _serialize_type_structure = serializer_method

    serializer = Serializer(
        operation_model=model,
        pretty_print=False,
        value_picker=picker or XFormedAttributePicker(),
    )
    return json.loads(serializer.serialize(result)["body"])


@pytest.mark.parametrize(
    ("service", "operation", "result"),
    [
        ("dynamodb", "GetItem", {"Item": EVERY_KIND}),
        ("dynamodb", "Query", {"Items": [EVERY_KIND, EVERY_KIND], "Count": 2}),
        ("dynamodb", "BatchGetItem", {"Responses": {"table": [EVERY_KIND]}}),
        (
            "dynamodbstreams",
            "GetRecords",
            {"Records": [{"eventName": "INSERT", "dynamodb": {"NewImage": EVERY_KIND}}]},
        ),
    ],
)
def test_attribute_values_are_written_as_the_model_walk_writes_them(service, operation, result):
    fixes.serialize_attribute_values_directly()
    patched = JSONSerializer._serialize_type_structure
    walked = getattr(patched, "__wrapped__", None)
    assert walked is not None, "the fix is installed"

    direct, walking = CountingPicker(), CountingPicker()
    assert body(patched, service, operation, result, direct) == body(
        walked, service, operation, result, walking
    )
    assert direct.lookups * 20 < walking.lookups  # the values were not walked


def test_a_value_moto_holds_otherwise_goes_through_the_model_walk():
    class Held:  # not a wire-format dict: the picker reads its attributes
        S = "kept"

    fixes.serialize_attribute_values_directly()
    patched = JSONSerializer._serialize_type_structure
    walked = patched.__wrapped__
    result = {"Item": {"a": Held(), "b": {"X": "unknown kind"}}}

    fast = body(patched, "dynamodb", "GetItem", result)
    assert fast == body(walked, "dynamodb", "GetItem", result)
    assert fast["Item"]["a"] == {"S": "kept"}
