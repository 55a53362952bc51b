"""The emulator keeps each table's items sorted between changes (``emulator.fixes``): every
read after a put, a delete, an update or a batch sees the table as
it is — nothing stale, nothing missing. A failed transaction leaves its tables as they
were, items and streams alike (the emulator undoes its writes item by item)."""

from __future__ import annotations

from tests.integration.devserver.conftest import a_key


def queried(dynamodb, table: str, pk: str) -> list[tuple[int, str | None]]:
    """The partition ``pk`` of the sample table, strongly consistent: (sort key, note)."""
    items = dynamodb.query(
        TableName=table,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": pk}},
        ConsistentRead=True,
    )["Items"]
    return [(int(i["sk"]["N"]), i.get("note", {}).get("S")) for i in items]


def test_every_read_after_a_change_sees_the_table_as_it_is(sample):
    dynamodb, table = sample.dynamodb, sample.table
    pk = a_key("sorted")

    def key(sk):
        return {"pk": {"S": pk}, "sk": {"N": str(sk)}}

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
        assert queried(dynamodb, table, pk) == expected
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


def test_a_transaction_applies_whole_or_not_at_all_on_each_of_its_tables(sample):
    """Tables without a stream, as the views are: a failed transaction leaves each of its
    tables as it was."""
    dynamodb = sample.dynamodb
    tables = [a_key("views") for _ in range(2)]
    for table in tables:
        dynamodb.create_table(
            TableName=table,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        )

    def put(table, item_id, value):
        return {"Put": {"TableName": table, "Item": {"id": {"S": item_id}, "v": {"N": value}}}}

    def contents(table):
        items = dynamodb.scan(TableName=table, ConsistentRead=True)["Items"]
        return sorted((i["id"]["S"], int(i["v"]["N"])) for i in items)

    try:
        dynamodb.transact_write_items(
            TransactItems=[put(tables[0], f"item{n}", "1") for n in range(30)]
            + [put(tables[1], "other", "1")]
        )
        before = [contents(table) for table in tables]
        assert len(before[0]) == 30

        failing = [put(tables[0], f"item{n}", "2") for n in range(20)] + [
            put(tables[1], "other", "2"),
            {
                "Update": {
                    "TableName": tables[0],
                    "Key": {"id": {"S": "item29"}},
                    "UpdateExpression": "SET v = :v",
                    "ConditionExpression": "v = :was",
                    "ExpressionAttributeValues": {":v": {"N": "2"}, ":was": {"N": "7"}},
                }
            },
        ]
        try:
            dynamodb.transact_write_items(TransactItems=failing)
        except dynamodb.exceptions.TransactionCanceledException:
            pass
        else:
            raise AssertionError("the transaction should have been cancelled")

        assert [contents(table) for table in tables] == before
        dynamodb.transact_write_items(TransactItems=failing[:-1])
        assert dict(contents(tables[0])) == {f"item{n}": 2 if n < 20 else 1 for n in range(30)}
        assert contents(tables[1]) == [("other", 2)]
    finally:
        for table in tables:
            dynamodb.delete_table(TableName=table)


def test_a_failed_transaction_leaves_no_item_and_no_stream_record_behind(sample):
    """A table with a stream and a sort key, as the message store: the items a failed
    transaction put, replaced or deleted are as they were, its stream has no record of it,
    and the next writes and reads go on from there."""
    dynamodb, table = sample.dynamodb, sample.table
    streams = sample.server.client("dynamodbstreams")
    pk = a_key("undone")

    def key(sk):
        return {"pk": {"S": pk}, "sk": {"N": str(sk)}}

    def put(sk, note):
        return {"Put": {"TableName": table, "Item": {**key(sk), "note": {"S": note}}}}

    def stream_notes():
        arn = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
        notes = []
        for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            iterator = streams.get_shard_iterator(
                StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            records = streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]
            notes += [
                (r["eventName"], r["dynamodb"].get("NewImage", {}).get("note", {}).get("S"))
                for r in records
                if r["dynamodb"]["Keys"]["pk"]["S"] == pk
            ]
        return notes

    dynamodb.transact_write_items(TransactItems=[put(1, "one"), put(2, "two")])
    assert queried(dynamodb, table, pk) == [(1, "one"), (2, "two")]
    recorded = stream_notes()

    failing = [
        put(1, "replaced"),
        put(3, "new"),
        {"Delete": {"TableName": table, "Key": key(2)}},
        {
            "ConditionCheck": {
                "TableName": table,
                "Key": key(9),
                "ConditionExpression": "attribute_exists(pk)",
            }
        },
    ]
    try:
        dynamodb.transact_write_items(TransactItems=failing)
    except dynamodb.exceptions.TransactionCanceledException:
        pass
    else:
        raise AssertionError("the transaction should have been cancelled")

    assert queried(dynamodb, table, pk) == [(1, "one"), (2, "two")]
    assert stream_notes() == recorded
    dynamodb.transact_write_items(TransactItems=failing[:-1])
    assert queried(dynamodb, table, pk) == [(1, "replaced"), (3, "new")]
    assert stream_notes()[len(recorded) :] == [
        ("MODIFY", "replaced"),
        ("INSERT", "new"),
        ("REMOVE", None),
    ]
    for sk in (1, 3):
        dynamodb.delete_item(TableName=table, Key=key(sk))


def test_a_query_of_an_index_sees_its_partition_as_it_is_after_each_change(sample):
    """The emulator groups a table's items by an index's partition key between changes: an
    item put, deleted, or moved to another partition by an update (in place, or in a
    transaction) is where it now is at the next query."""
    dynamodb = sample.dynamodb
    table = a_key("indexed")
    dynamodb.create_table(
        TableName=table,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "id", "AttributeType": "S"},
            {"AttributeName": "part", "AttributeType": "S"},
            {"AttributeName": "at", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-part",
                "KeySchema": [
                    {"AttributeName": "part", "KeyType": "HASH"},
                    {"AttributeName": "at", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )

    def put(item_id, part, at):
        dynamodb.put_item(
            TableName=table,
            Item={"id": {"S": item_id}, "part": {"S": part}, "at": {"S": at}},
        )

    def move(item_id, part):
        return {
            "TableName": table,
            "Key": {"id": {"S": item_id}},
            "UpdateExpression": "SET part = :p",
            "ExpressionAttributeValues": {":p": {"S": part}},
        }

    def partition(part):
        items = dynamodb.query(
            TableName=table,
            IndexName="by-part",
            KeyConditionExpression="part = :p",
            ExpressionAttributeValues={":p": {"S": part}},
        )["Items"]
        return [i["id"]["S"] for i in items]

    try:
        put("a", "p1", "3")
        put("b", "p1", "1")
        put("c", "p2", "2")
        assert (partition("p1"), partition("p2")) == (["b", "a"], ["c"])
        dynamodb.update_item(**move("a", "p2"))
        assert (partition("p1"), partition("p2")) == (["b"], ["c", "a"])
        dynamodb.transact_write_items(TransactItems=[{"Update": move("c", "p3")}])
        assert (partition("p2"), partition("p3")) == (["a"], ["c"])
        dynamodb.delete_item(TableName=table, Key={"id": {"S": "b"}})
        put("d", "p1", "0")
        assert (partition("p1"), partition("p2"), partition("p4")) == (["d"], ["a"], [])
        arn = dynamodb.describe_table(TableName=table)["Table"]["TableArn"]
        dynamodb.put_item(  # a table named by its ARN
            TableName=arn, Item={"id": {"S": "e"}, "part": {"S": "p4"}, "at": {"S": "9"}}
        )
        assert partition("p4") == ["e"]
    finally:
        dynamodb.delete_table(TableName=table)
