"""Where moto, left alone, would differ from AWS in a way the devserver's users would see.

- moto keeps every DynamoDB Streams shard iterator forever: a long run would grow without
  bound, so only the newest are kept (DynamoDB's expire after 15 minutes).
- moto's FIFO queues hold a message group back while one of its messages is in flight,
  as SQS does; but a message whose visibility timeout ran out leaves moto's in-flight set
  only when a receive meets it. When two messages of a group were left in flight (a
  failed batch) and both time out, the receive meets the first while the second still
  counts as in flight, skips the first, then delivers the second: the group's order
  breaks. So before each receive every timed-out message leaves the in-flight set, and
  the group comes back whole, in order.
- SQS's receive from a FIFO queue "returns as many messages with the same message group ID
  as possible", then others (https://repost.aws/knowledge-center/sqs-fifo-messages-not-returned);
  moto returns the visible messages in the order they were sent, whatever their groups. So
  a Lambda batch of 10 drawn from six busy groups held 1.7 messages of each, where SQS
  gives a group's backlog to one batch. So before each receive a FIFO queue's messages are
  ordered group by group (the group of the oldest message first; each group's order kept).
- SQS gives every message of a FIFO queue a ``SequenceNumber`` that keeps increasing; moto
  gives one only to messages sent with an explicit deduplication id, and at random. So
  every FIFO message gets the next number of one increasing counter.
- SNS limits a filter policy to 150 combinations of values, an ``$or`` counting as the sum
  of its branches'; moto multiplies them (and doubles each nested level), refusing a
  three-branch policy of one value per key as "too complex". So each ``$or`` branch is
  validated as the policy it stands for (moto's matching of ``$or`` is right as it is).
- moto's DynamoDB table lists *and sorts* every item it holds for each query and scan
  (``Table.all_items``), and a query of an index then goes through all of them for those of
  its partition: 121 ms a query on a 20,000-item table here, whatever the query returns, so
  reading a category page by page cost more per message the larger the store. So a table
  keeps its sorted items, and its items grouped by the partition key of each index queried
  (string keys), until a request writes to it (``forget_tables``, called by the emulator's
  app after every DynamoDB request that is not a read: the tables it names, or all).
- moto's ``TransactWriteItems`` deep-copies a table (to put it back if the transaction
  fails) once for each of the transaction's items on it, before applying any: a transaction
  of 100 items on a view table copied it 100 times, and even one copy of a table grows
  with the table (half of an aggregator's 6 ms transaction on a small view). The items the
  transaction names are kept instead, and put back if it fails, with the table's stream as
  it was (moto's copies also left a stream's readers on the replaced table).
- moto writes a DynamoDB response by walking the service model for every value: each
  ``AttributeValue`` costs ten member lookups through its attribute picker, so an item
  holding a list of 128 numbers took 30 ms to write out, four fifths of its ``GetItem``
  (a home-page query of ten such items took 50 ms). An ``AttributeValue`` that moto holds
  as a plain wire-format dict (every one it returns) is written out directly, to the same
  JSON.
- moto projects an item (``ProjectionExpression``) by turning the *whole* item into plain
  values, deep copies included, once for each attribute named, then back: a query naming
  seven attributes of items that hold lists of positions took 20 ms more with its
  projection than without. Attributes named at the top level (no path, no index) are
  copied across directly; any other projection goes moto's way.
- moto turns a value into plain JSON (``DynamoType.to_regular_json``: every write's stream
  record images) by deep-copying it, then doing the same again for each value inside: an
  item holding a list of 128 numbers was copied twice over, a quarter of a 41-item
  transaction's time. Each value is now copied once, to the same JSON; and a failed
  transaction's undo keeps the items its Puts and Deletes replace as they are (moto puts new
  items in their place), copying only those an Update changes in place.
- moto lists a response class's methods (``inspect.getmembers``) on every request to find
  the action's: half a millisecond a request. The list is kept per class (classes do not
  gain methods while the emulator runs). Likewise its list of service modules, read from the
  file system (a directory listing and a ``stat`` for each of some 150 entries) to route
  every request: 0.18 ms a request, under the dispatcher's lock.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any

_MAX_SHARD_ITERATORS = 1000


def prune_shard_iterators() -> None:
    """Keep the newest shard iterators (the caller holds the emulator's lock)."""
    from moto.dynamodbstreams.models import dynamodbstreams_backends

    for regions in dynamodbstreams_backends.values():
        for backend in regions.values():
            iterators = backend.shard_iterators
            excess = len(iterators) - _MAX_SHARD_ITERATORS
            if excess > _MAX_SHARD_ITERATORS // 2:
                for key in list(iterators)[:excess]:
                    del iterators[key]


def receive_fifo_messages_as_sqs_does() -> None:
    """Make moto's receive forget timed-out in-flight messages first, and give a FIFO
    queue's messages group by group (once per process)."""
    from moto.sqs.models import SQSBackend

    def fixed(receive: Callable[..., Any]) -> Callable[..., Any]:
        def receive_message(self: SQSBackend, queue_name: str, *args: Any, **kwargs: Any) -> Any:
            queue = self.get_queue(queue_name)
            expired = {message for message in queue.pending_messages if message.visible}
            queue.pending_messages.difference_update(expired)
            if queue.fifo_queue:
                first: dict[str | None, int] = {}
                for index, message in enumerate(queue._messages):
                    first.setdefault(message.group_id, index)
                queue._messages.sort(key=lambda message: first[message.group_id])
            return receive(self, queue_name, *args, **kwargs)

        return receive_message

    _patch(SQSBackend, "receive_message", fixed)


def number_fifo_messages() -> None:
    """Give every FIFO message an increasing ``SequenceNumber`` (once per process)."""
    from moto.sqs.models import SQSBackend

    # microseconds since the epoch: larger than any number given before a restart
    numbers = itertools.count(time.time_ns() // 1000)

    def fixed(send: Callable[..., Any]) -> Callable[..., Any]:
        def send_message(self: SQSBackend, queue_name: str, *args: Any, **kwargs: Any) -> Any:
            message = send(self, queue_name, *args, **kwargs)
            if self.get_queue(queue_name).fifo_queue:
                message.sequence_number = f"{next(numbers):020d}"
            return message

        return send_message

    _patch(SQSBackend, "send_message", fixed)


def count_or_branches_apart() -> None:
    """Validate each ``$or`` branch of a filter policy as a policy of its own (once)."""
    from moto.sns.models import SNSBackend

    def fixed(validate: Callable[..., Any]) -> Callable[..., Any]:
        def validate_filter_policy(self: SNSBackend, value: Any, scope: str | None) -> None:
            for alternative in _alternatives(value):
                validate(self, alternative, scope)

        return validate_filter_policy

    _patch(SNSBackend, "_validate_filter_policy", fixed)


#: What a table keeps between changes (``keep_tables_sorted``): its items sorted, and grouped
#: by the partition key of each index queried.
_SORTED, _GROUPS, _NARROW = "_devserver_sorted_items", "_devserver_groups", "_devserver_narrow"


def keep_tables_sorted() -> None:
    """Make moto's tables sort their items once per change, and a query of an index go
    through the items of the partition it asks for (once per process)."""
    import inspect

    from moto.dynamodb.models.table import Table

    def cached(all_items: Callable[..., Any]) -> Callable[..., Any]:
        def sorted_items(self: Table) -> list[Any]:
            items = self.__dict__.get(_SORTED)
            if items is None:
                items = all_items(self)
                self.__dict__[_SORTED] = items
            narrow = self.__dict__.get(_NARROW)
            if narrow is None:
                return list(items)  # the caller's own list, as moto's always was
            attribute, value = narrow
            groups = self.__dict__.setdefault(_GROUPS, {})
            if attribute not in groups:
                by_value: dict[str, list[Any]] = {}
                for item in items:
                    held = item.attrs.get(attribute)
                    if held is not None and held.type == "S":
                        by_value.setdefault(held.value, []).append(item)
                groups[attribute] = by_value
            return list(groups[attribute].get(value, ()))

        return sorted_items

    def narrowing(query: Callable[..., Any]) -> Callable[..., Any]:
        signature = inspect.signature(query)

        def narrowed(self: Table, *args: Any, **kwargs: Any) -> Any:
            arguments = signature.bind(self, *args, **kwargs).arguments
            conditions = arguments.get("hash_key_conditions") or ()
            if arguments.get("index_name") and len(conditions) == 1:
                attribute, value = conditions[0]
                if getattr(value, "type", None) == "S":
                    # moto still checks every item it is given against the condition
                    self.__dict__[_NARROW] = (attribute, value.value)
            try:
                return query(self, *args, **kwargs)
            finally:
                self.__dict__.pop(_NARROW, None)

        return narrowed

    def forgetting(change: Callable[..., Any]) -> Callable[..., Any]:
        def changed(self: Table, *args: Any, **kwargs: Any) -> Any:
            _forget(self)
            try:
                return change(self, *args, **kwargs)
            finally:
                _forget(self)

        return changed

    _patch(Table, "all_items", cached)
    _patch(Table, "query", narrowing)
    _patch(Table, "put_item", forgetting)
    _patch(Table, "delete_item", forgetting)


def forget_tables(names: tuple[str, ...] | None) -> None:
    """After a request that may have changed them: the tables named (``None``: every table)
    sort and group anew (an update changes an item in place, maybe the attribute an index
    groups it by)."""
    from moto.dynamodb.models import dynamodb_backends

    # a request may name a table by its ARN (…:table/NAME)
    wanted = None if names is None else {name.rsplit(":table/", 1)[-1] for name in names}
    for regions in dynamodb_backends.values():
        for backend in regions.values():
            for name, table in backend.tables.items():
                if wanted is None or name in wanted:
                    _forget(table)


def _forget(table: Any) -> None:
    table.__dict__.pop(_SORTED, None)
    table.__dict__.pop(_GROUPS, None)


def undo_failed_transactions_item_by_item() -> None:
    """Make moto's ``transact_write_items`` undo the items it wrote, not copy whole tables
    (once per process).

    moto backs each table of a transaction up with ``copy.deepcopy`` (in its models module)
    before the first operation, and puts the copies in the tables' place when one fails.
    Here that ``copy`` hands the tables themselves back, and the items the transaction
    names are kept as they were (a deep copy of each, or nothing) with the length of each
    table's stream; when the transaction fails they are put back, and the stream records
    of its writes taken out (the emulator runs one request at a time: nobody read them)."""
    import copy

    from moto.dynamodb import models
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    class TablesThemselves:
        def deepcopy(self, value: Any, memo: Any = None) -> Any:
            return value if isinstance(value, Table) else copy.deepcopy(value, memo)

        def __getattr__(self, name: str) -> Any:
            return getattr(copy, name)

    def fixed(transact: Callable[..., Any]) -> Callable[..., Any]:
        def transact_write_items(self: DynamoDBBackend, transact_items: Any) -> Any:
            undo = _TransactionUndo(self, transact_items)
            models.copy = TablesThemselves()  # type: ignore[assignment]
            try:
                return transact(self, transact_items)
            except BaseException:
                undo.apply()
                raise
            finally:
                models.copy = copy

        return transact_write_items

    _patch(DynamoDBBackend, "transact_write_items", fixed)


class _TransactionUndo:
    """The items a transaction names, as they were before it, and its tables' stream lengths."""

    def __init__(self, backend: Any, transact_items: Any) -> None:
        import copy

        from moto.dynamodb.models.dynamo_type import DynamoType

        self.items: list[tuple[Any, Any, Any, Any]] = []  # (table, hash, range, item or None)
        self.streams: dict[int, tuple[Any, int]] = {}
        named: dict[tuple[int, Any, Any], tuple[Any, bool]] = {}  # → (table, updated)
        for entry in transact_items if isinstance(transact_items, list) else []:
            if not isinstance(entry, dict) or len(entry) != 1:
                continue
            ((kind, operation),) = entry.items()
            if not isinstance(operation, dict):
                continue
            table = backend.tables.get(operation.get("TableName"))
            key = operation.get("Item") if kind == "Put" else operation.get("Key")
            if table is None or not isinstance(key, dict):
                continue
            try:
                hash_value = DynamoType(key[table.hash_key_attr])
                range_value = (
                    DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
                )
            except (KeyError, TypeError):
                continue  # moto refuses the transaction before writing anything
            place = (id(table), hash_value, range_value)
            updated = named[place][1] if place in named else False
            named[place] = (table, updated or kind == "Update")
        for (_, hash_value, range_value), (table, updated) in named.items():
            before = _item_at(table, hash_value, range_value)
            # moto's Put and Delete put a new item in the old one's place or take it out:
            # the old one is kept as it is; an Update changes the item itself, so a copy
            kept = copy.deepcopy(before) if updated else before
            self.items.append((table, hash_value, range_value, kept))
            if table.stream_shard is not None and id(table) not in self.streams:
                self.streams[id(table)] = (table, len(table.stream_shard.items))

    def apply(self) -> None:
        """Put every item back as it was; take the transaction's stream records out."""
        for table, hash_value, range_value, before in self.items:
            if range_value is None:
                if before is None:
                    table.items.pop(hash_value, None)
                else:
                    table.items[hash_value] = before
            elif before is None:
                table.items.get(hash_value, {}).pop(range_value, None)
                if hash_value in table.items and not table.items[hash_value]:
                    del table.items[hash_value]
            else:
                table.items[hash_value][range_value] = before
            _forget(table)
        for table, length in self.streams.values():
            del table.stream_shard.items[length:]


def _item_at(table: Any, hash_value: Any, range_value: Any) -> Any:
    if range_value is None:
        return table.items.get(hash_value)
    return table.items.get(hash_value, {}).get(range_value)


class _NotWireFormat(Exception):
    """An attribute value moto holds as something else than a wire-format dict."""


def _wire_attribute_value(value: Any, base64: Callable[[Any], str]) -> dict[str, Any]:
    """What moto's JSON serializer makes of an ``AttributeValue`` dict, made directly."""
    if not isinstance(value, dict):
        raise _NotWireFormat
    wire: dict[str, Any] = {}
    for kind, member in value.items():
        if member is None:
            continue
        if kind in ("S", "N"):
            wire[kind] = str(member) if member not in ("", {}, []) else member
        elif kind in ("BOOL", "NULL"):
            wire[kind] = member
        elif kind == "M":
            wire[kind] = {name: _wire_attribute_value(v, base64) for name, v in member.items()}
        elif kind == "L":
            wire[kind] = [_wire_attribute_value(v, base64) for v in member]
        elif kind in ("SS", "NS"):
            wire[kind] = [str(v) if v not in ("", {}, []) else v for v in member]
        elif kind == "B":
            wire[kind] = base64(member)
        elif kind == "BS":
            wire[kind] = [base64(v) for v in member]
        else:
            raise _NotWireFormat
    return wire


def serialize_attribute_values_directly() -> None:
    """Write moto's DynamoDB attribute values out without the model walk (once per process)."""
    from moto.core.serialize import JSONSerializer

    def fixed(serialize: Callable[..., Any]) -> Callable[..., Any]:
        def _serialize_type_structure(
            self: JSONSerializer, serialized: Any, value: Any, shape: Any, key: str
        ) -> None:
            if key and shape.name == "AttributeValue":
                try:
                    wire = _wire_attribute_value(value, self._base64)
                except _NotWireFormat:
                    pass
                else:
                    self._default_serialize(serialized, wire, shape, key)
                    return
            serialize(self, serialized, value, shape, key)

        return _serialize_type_structure

    _patch(JSONSerializer, "_serialize_type_structure", fixed)


def convert_values_once() -> None:
    """Make moto's ``DynamoType.to_regular_json`` copy each value once (once per process)."""
    import base64
    import copy

    from moto.dynamodb.models.dynamo_type import DynamoType

    def fixed(to_regular_json: Callable[..., Any]) -> Callable[..., Any]:
        def converted(self: DynamoType) -> dict[str, Any]:
            value = self.value
            if isinstance(value, dict):
                value = {
                    key: inner.to_regular_json()
                    if isinstance(inner, DynamoType)
                    else copy.deepcopy(inner)
                    for key, inner in value.items()
                }
            elif isinstance(value, list):
                value = [
                    inner.to_regular_json()
                    if isinstance(inner, DynamoType)
                    else copy.deepcopy(inner)
                    for inner in value
                ]
            else:
                value = copy.deepcopy(value)
            if self.is_binary() and isinstance(value, str):
                value = base64.b64decode(value)
            return {self.type: value}

        return converted

    _patch(DynamoType, "to_regular_json", fixed)


def project_top_level_attributes_directly() -> None:
    """Make moto's ``Item.project`` copy top-level attributes across (once per process)."""
    import copy

    from moto.dynamodb.models.dynamo_type import Item

    def fixed(project: Callable[..., Any]) -> Callable[..., Any]:
        def project_item(self: Item, projection_expressions: list[list[str]]) -> Item:
            names = [path[0] for path in projection_expressions if len(path) == 1]
            if len(names) < len(projection_expressions) or any("[" in n for n in names):
                return project(self, projection_expressions)
            projected = Item(hash_key=self.hash_key, range_key=self.range_key, attrs={})
            for name in names:
                if name in self.attrs:
                    projected.attrs[name] = copy.deepcopy(self.attrs[name])
            return projected

        return project_item

    _patch(Item, "project", fixed)


def list_each_classes_methods_once() -> None:
    """Keep moto's list of a response class's methods (once per process)."""
    import functools

    from moto.core import responses

    listed = responses.method_names_from_class
    if getattr(listed, "_devserver_fixed", False):
        return
    kept = functools.lru_cache(maxsize=None)(listed)
    kept._devserver_fixed = True  # type: ignore[attr-defined]
    responses.method_names_from_class = kept  # type: ignore[assignment]


def list_moto_modules_once() -> None:
    """Keep moto's list of its service modules (once per process)."""
    from moto import backends

    listed = backends.list_of_moto_modules
    if getattr(listed, "_devserver_fixed", False):
        return
    modules = tuple(listed())

    def kept() -> tuple[str, ...]:
        return modules

    kept._devserver_fixed = True  # type: ignore[attr-defined]
    kept.__wrapped__ = listed  # type: ignore[attr-defined]
    backends.list_of_moto_modules = kept  # type: ignore[assignment]


def _patch(owner: type, name: str, fix: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    """Replace ``owner.name`` by ``fix(original)``, once per process."""
    original = getattr(owner, name)
    if getattr(original, "_devserver_fixed", False):
        return
    patched = fix(original)
    patched._devserver_fixed = True  # type: ignore[attr-defined]
    patched.__wrapped__ = original  # type: ignore[attr-defined]
    setattr(owner, name, patched)


def _alternatives(policy: Any) -> list[Any]:
    """A filter policy's ``$or`` (at its top) spelled out as the policies it stands for."""
    if not isinstance(policy, dict) or not isinstance(policy.get("$or"), list):
        return [policy]
    rest = {key: value for key, value in policy.items() if key != "$or"}
    return [
        alternative
        for branch in policy["$or"]
        for alternative in _alternatives({**rest, **branch} if isinstance(branch, dict) else rest)
    ]


def install() -> None:
    """Every fix of this module (the emulator child calls it before it serves)."""
    receive_fifo_messages_as_sqs_does()
    number_fifo_messages()
    count_or_branches_apart()
    keep_tables_sorted()
    undo_failed_transactions_item_by_item()
    serialize_attribute_values_directly()
    convert_values_once()
    project_top_level_attributes_directly()
    list_each_classes_methods_once()
    list_moto_modules_once()
