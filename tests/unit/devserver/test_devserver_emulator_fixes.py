"""Where the emulator makes moto faster (``emulator.fixes``), it answers exactly as moto:
attribute values written out directly are the JSON moto's model walk writes, for every kind
of value, in items, lists of items, batches and stream records; top-level attributes
projected directly are the items moto's own projection makes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from moto.core.serialize import JSONSerializer, XFormedAttributePicker
from moto.core.utils import get_service_model
from moto.dynamodb.models.dynamo_type import DynamoType, Item

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


@pytest.mark.parametrize(
    "paths",
    [
        [["text"], ["positions"], ["nested"], ["missing"]],
        [["bytes"], ["texts"], ["blobs"], ["yes"], ["nothing"]],
        [["positions[3]"]],  # an index: moto's way
        [["nested", "list"]],  # a path: moto's way
    ],
)
def test_a_projected_item_is_the_one_moto_projects(paths, monkeypatch):
    fixes.project_top_level_attributes_directly()
    item = Item(hash_key=DynamoType({"S": "key"}), range_key=None, attrs=dict(EVERY_KIND))
    own = Item.project.__wrapped__(item, paths).to_json()
    conversions = []
    whole = Item.to_regular_json
    monkeypatch.setattr(Item, "to_regular_json", lambda self: conversions.append(1) or whole(self))

    projected = Item.project(item, paths)

    assert unordered_sets(projected.to_json()) == unordered_sets(own)
    top_level_only = all(len(path) == 1 and "[" not in path[0] for path in paths)
    assert (conversions == []) == top_level_only  # the whole item is not converted


def unordered_sets(value: Any) -> Any:
    """``value`` with the members of each string, number or binary set sorted (a set's order
    means nothing: moto's own projection reorders them)."""
    if isinstance(value, dict):
        return {
            key: sorted(inner) if key in ("SS", "NS", "BS") else unordered_sets(inner)
            for key, inner in value.items()
        }
    if isinstance(value, list):
        return [unordered_sets(inner) for inner in value]
    return value


def test_a_response_classs_methods_are_listed_once_and_as_moto_lists_them():
    from moto.core import responses, utils
    from moto.dynamodb.responses import DynamoHandler

    fixes.list_each_classes_methods_once()
    listed = responses.method_names_from_class(DynamoHandler)

    assert listed == utils.method_names_from_class(DynamoHandler)
    assert "get_item" in listed
    assert responses.method_names_from_class(DynamoHandler) is listed  # kept, not listed again


@pytest.mark.parametrize("name", sorted(EVERY_KIND))
def test_a_value_converted_once_is_what_moto_converts_and_shares_nothing(name):
    fixes.convert_values_once()
    value = DynamoType(EVERY_KIND[name])
    own = DynamoType.to_regular_json.__wrapped__(value)

    converted = value.to_regular_json()

    assert converted == own
    before = value.to_json()
    _scribble(converted)
    assert value.to_json() == before  # the item's own value is untouched


def _scribble(value: Any) -> None:
    """Change every dict and list inside ``value`` in place."""
    if isinstance(value, dict):
        for inner in list(value.values()):
            _scribble(inner)
        value["scribbled"] = True
    elif isinstance(value, list):
        for inner in value:
            _scribble(inner)
        value.append("scribbled")


def test_a_cancelled_transaction_puts_back_what_its_update_changed_in_place():
    import boto3
    from moto import mock_aws

    fixes.undo_failed_transactions_item_by_item()
    fixes.convert_values_once()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="t",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        )
        for item_id in ("updated", "replaced"):
            client.put_item(
                TableName="t",
                Item={"id": {"S": item_id}, "v": {"N": "1"}, "list": {"L": [{"N": "1"}]}},
            )

        def items() -> dict[str, Any]:
            return {
                i["id"]["S"]: i for i in client.scan(TableName="t", ConsistentRead=True)["Items"]
            }

        before = items()
        with pytest.raises(client.exceptions.TransactionCanceledException):
            client.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": "t",
                            "Key": {"id": {"S": "updated"}},
                            "UpdateExpression": "SET v = :v, #l[0] = :v",
                            "ExpressionAttributeNames": {"#l": "list"},
                            "ExpressionAttributeValues": {":v": {"N": "5"}},
                        }
                    },
                    {"Put": {"TableName": "t", "Item": {"id": {"S": "replaced"}}}},
                    {
                        "ConditionCheck": {
                            "TableName": "t",
                            "Key": {"id": {"S": "missing"}},
                            "ConditionExpression": "attribute_exists(id)",
                        }
                    },
                ]
            )

        assert items() == before


def test_moto_routes_by_the_same_list_of_service_modules_read_once():
    from moto import backends
    from moto.server import DomainDispatcherApplication, create_backend_app

    fixes.list_moto_modules_once()
    listed = backends.list_of_moto_modules()

    assert list(listed) == list(backends.list_of_moto_modules.__wrapped__())
    assert "dynamodb" in listed
    assert backends.list_of_moto_modules() is listed  # kept, not read again
    dispatcher = DomainDispatcherApplication(create_backend_app)
    assert dispatcher.get_backend_for_host("sqs") == "sqs"
    assert dispatcher.get_backend_for_host("dynamodb.us-east-1.amazonaws.com") == "dynamodb"


def test_a_fifo_receive_gives_as_many_messages_of_one_group_as_it_can():
    """SQS gives a group's backlog to one receive (then other groups'); each group in order,
    and a group with a message in flight held back, as before."""
    import boto3
    from moto import mock_aws

    fixes.receive_fifo_messages_as_sqs_does()
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(
            QueueName="jobs.fifo",
            Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
        )["QueueUrl"]
        for body in ("a1", "b1", "c1", "a2", "b2", "a3", "c2", "b3", "a4"):
            sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=body[0])

        def receive(count):
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=count)["Messages"]
            return [m["Body"] for m in messages], [m["ReceiptHandle"] for m in messages]

        first, handles = receive(3)
        assert first == ["a1", "a2", "a3"]
        assert receive(3)[0] == ["b1", "b2", "b3"]  # a is in flight
        for handle in handles:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)
        assert receive(10)[0] == ["a4", "c1", "c2"]  # b in flight; a's oldest left first
