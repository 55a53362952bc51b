"""The emulator keeps each table's items sorted between changes (``emulator.fixes``): every
read after a put, a delete, an update or a batch sees the table as
it is — nothing stale, nothing missing. (Not tried here: a transaction that fails on a table
with a stream — moto puts back a copy of the table, and the stream's readers stay on the
old one.)"""

from __future__ import annotations

from tests.integration.devserver.conftest import a_key


def test_every_read_after_a_change_sees_the_table_as_it_is(sample):
    dynamodb, table = sample.dynamodb, sample.table
    pk = a_key("sorted")

    def key(sk):
        return {"pk": {"S": pk}, "sk": {"N": str(sk)}}

    def queried():
        items = dynamodb.query(
            TableName=table,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": pk}},
            ConsistentRead=True,
        )["Items"]
        return [(int(i["sk"]["N"]), i.get("note", {}).get("S")) for i in items]

    def scanned():
        found, request = (
            [],
            {
                "TableName": table,
                "FilterExpression": "pk = :p",
                "ExpressionAttributeValues": {":p": {"S": pk}},
            },
        )
        while True:
            page = dynamodb.scan(**request)
            found += [(int(i["sk"]["N"]), i.get("note", {}).get("S")) for i in page["Items"]]
            if "LastEvaluatedKey" not in page:
                return sorted(found)
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def sees(expected):
        assert queried() == expected
        assert scanned() == expected

    sample.put(pk, 2)
    sees([(2, None)])
    sample.put(pk, 1)
    sees([(1, None), (2, None)])
    dynamodb.update_item(
        TableName=table,
        Key=key(1),
        UpdateExpression="SET note = :n",
        ExpressionAttributeValues={":n": {"S": "updated"}},
    )
    sees([(1, "updated"), (2, None)])
    dynamodb.put_item(TableName=table, Item={**key(2), "note": {"S": "replaced"}})
    sees([(1, "updated"), (2, "replaced")])
    dynamodb.delete_item(TableName=table, Key=key(2))
    sees([(1, "updated")])
    dynamodb.update_item(  # an update creates a missing item
        TableName=table,
        Key=key(4),
        UpdateExpression="SET note = :n",
        ExpressionAttributeValues={":n": {"S": "created"}},
    )
    sees([(1, "updated"), (4, "created")])
    dynamodb.batch_write_item(
        RequestItems={table: [{"PutRequest": {"Item": key(5)}}, {"DeleteRequest": {"Key": key(4)}}]}
    )
    sees([(1, "updated"), (5, None)])
