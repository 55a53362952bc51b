"""View tables on DynamoDB: items with the positions they were built from and a version.

The generic half of a view repository: loading items by key (strongly consistent) and
writing each changed item once, on the condition that its version is the one loaded. The
domain half says how a view item's state maps to attributes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar

from . import aws
from .aws import error_code
from .codec import decode_value, encode_value
from .errors import MessageStoreUnavailableError
from .stream_name import cardinal_id, category
from .stream_name import id as id_of
from .view_item import ViewConflictError, ViewItem, entity_of

S = TypeVar("S")

POSITIONS = "positions"
VERSION = "version"
_BATCH_GET_LIMIT = 100
_BATCH_WRITE_LIMIT = 25
#: The highest shard number whose position is kept in a shard list (see ``encode_positions``).
MAX_SHARD = 1023


class ViewUnavailableError(MessageStoreUnavailableError):
    """A view table refused or failed a request after the SDK's retries."""


def encode_attributes(values: Mapping[str, Any]) -> dict[str, Any]:
    """Plain values (str, int, float, bool, lists, maps) as DynamoDB attribute values."""
    return {name: encode_value(value, name) for name, value in values.items() if value is not None}


def decode_attributes(item: Mapping[str, Any]) -> dict[str, Any]:
    """A DynamoDB item as plain values."""
    return {name: decode_value(value) for name, value in item.items()}


def _shard_of(stream_name: str, key: str) -> tuple[str, int] | None:
    """``(category, shard)`` when ``stream_name`` is ``{category}-{entity}+{shard}``, the
    entity being item ``key``'s (the key itself, or a part key's: ``{entity}|{part}``)."""
    stream_id = id_of(stream_name)
    key = entity_of(key)
    if stream_id is None or cardinal_id(stream_name) != key:
        return None
    rest = stream_id[len(key) + 1 :]
    if not rest.isdigit() or int(rest) > MAX_SHARD or str(int(rest)) != rest:
        return None
    return category(stream_name), int(rest)


def encode_positions(key: str, positions: Mapping[str, int]) -> dict[str, Any]:
    """The ``positions`` attribute of item ``key``: small whatever its number of shards.

    The positions of the item's own compound streams (``{category}-{key}+{n}``, ``n`` a
    shard number; for a part key ``{key}|{part}``, its entity's) are kept as one string per
    category, under ``"{category}+"``: shard ``n``'s position is its ``n``-th
    comma-separated entry, in base 36, empty for none yet
    (``"2,,,9"``: shard 0 at 2, shard 3 at 9). A viral video's 128 viewing shards take one
    attribute of a few hundred bytes — not the 7 KB their names would, nor 128 list
    elements, each of which every write, read and stream image converts on its own. Every
    other stream is kept by name. (Items written before kept a list of numbers, -1 for
    none: ``decode_positions`` reads both.)
    """
    stored: dict[str, Any] = {}
    shards: dict[str, dict[int, int]] = {}
    for stream_name, position in positions.items():
        shard = _shard_of(stream_name, key)
        if shard is None:
            stored[stream_name] = position
        else:
            shards.setdefault(shard[0], {})[shard[1]] = position
    for category_name, by_shard in shards.items():
        listed = [""] * (max(by_shard) + 1)
        for shard_number, position in by_shard.items():
            if position >= 0:
                listed[shard_number] = _base36(position)
        stored[f"{category_name}+"] = ",".join(listed)
    return stored


_DIGITS36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def _base36(number: int) -> str:
    """``number`` (>= 0) in base 36, lower case (what ``int(text, 36)`` reads back)."""
    if number < 36:
        return _DIGITS36[number]
    digits = []
    while number:
        number, digit = divmod(number, 36)
        digits.append(_DIGITS36[digit])
    return "".join(reversed(digits))


def decode_positions(key: str, stored: Mapping[str, Any]) -> dict[str, int]:
    """The positions of item ``key`` by stream name, from its ``positions`` attribute."""
    positions: dict[str, int] = {}
    entity = entity_of(key)
    for name, value in stored.items():
        if isinstance(value, str) and name.endswith("+"):
            for shard_number, entry in enumerate(value.split(",")):
                if entry:
                    positions[f"{name[:-1]}-{entity}+{shard_number}"] = int(entry, 36)
        elif isinstance(value, list) and name.endswith("+"):  # as items were written before
            for shard_number, position in enumerate(value):
                if int(position) >= 0:
                    positions[f"{name[:-1]}-{entity}+{shard_number}"] = int(position)
        else:
            positions[name] = int(value)
    return positions


class DynamoViewRepository(Generic[S]):
    """A view table whose items carry ``positions`` (per source stream) and ``version``.

    ``key_of(item_key)`` gives the table key of a view item; ``to_attributes`` and
    ``from_attributes`` map the item's state to and from plain attribute values.
    """

    def __init__(
        self,
        table_name: str,
        *,
        key_of: Callable[[str], dict[str, str]],
        to_attributes: Callable[[S], dict[str, Any]],
        from_attributes: Callable[[dict[str, Any]], S],
        client: Any | None = None,
    ) -> None:
        self.table_name = table_name
        self.key_of = key_of
        self.to_attributes = to_attributes
        self.from_attributes = from_attributes
        self._client = client

    client = aws.LazyClient("dynamodb")

    def for_replay(self) -> DynamoViewRepository[S]:
        """The repository a replay (a rebuild) writes through: this one, unless the view
        keeps items only live readers wait on (nobody waits on a rebuild)."""
        return self

    def load(self, keys: Sequence[str]) -> dict[str, ViewItem[S]]:
        """The stored items among ``keys``, strongly consistent (BatchGetItem, 100 a call)."""
        if not keys:
            return {}
        return self.items_of(keys, self.batch_get([self.key_of(k) for k in keys], consistent=True))

    def items_of(
        self, keys: Sequence[str], rows: Iterable[Mapping[str, Any]]
    ) -> dict[str, ViewItem[S]]:
        """The view items of ``keys`` among ``rows`` (stored items, as plain values): what
        ``load`` makes of what it read, for a view that reads more in the same request."""
        found: dict[str, ViewItem[S]] = {}
        if not keys:
            return found
        key_names = sorted(self.key_of(keys[0]))
        by_table_key = {tuple(sorted(self.key_of(k).items())): k for k in keys}
        for values in rows:
            key = by_table_key[tuple((name, values[name]) for name in key_names)]
            found[key] = ViewItem(
                key=key,
                state=self.from_attributes(values),
                positions=decode_positions(key, values.get(POSITIONS) or {}),
                # an item some other writer made (a roll-up's figures), never written
                # through ``put_request``, is written as new
                version=int(values[VERSION]) if VERSION in values else -1,
            )
        return found

    def batch_get(
        self,
        table_keys: Sequence[Mapping[str, Any]],
        *,
        consistent: bool,
        attributes: Sequence[str] = (),
    ) -> Iterator[dict[str, Any]]:
        """The items there are of ``table_keys`` (plain key values), as plain values
        (BatchGetItem, 100 a call, unprocessed keys asked again); only ``attributes`` (and
        the key) when given."""
        pending = [encode_attributes(key) for key in table_keys]
        while pending:
            chunk, pending = pending[:_BATCH_GET_LIMIT], pending[_BATCH_GET_LIMIT:]
            wanted: dict[str, Any] = {"Keys": chunk, "ConsistentRead": consistent}
            if attributes:
                names = [*table_keys[0], *attributes]
                wanted["ProjectionExpression"] = ", ".join(f"#a{n}" for n in range(len(names)))
                wanted["ExpressionAttributeNames"] = {f"#a{n}": a for n, a in enumerate(names)}
            request: dict[str, Any] = {self.table_name: wanted}
            while request:
                try:
                    response = self.client.batch_get_item(RequestItems=request)
                except Exception as exc:
                    raise ViewUnavailableError(
                        f"{self.table_name}: {error_code(exc) or exc}"
                    ) from exc
                for raw in response.get("Responses", {}).get(self.table_name, []):
                    yield decode_attributes(raw)
                request = response.get("UnprocessedKeys") or {}

    def batch_write(self, requests: Sequence[dict[str, Any]]) -> None:
        """``PutRequest``/``DeleteRequest`` entries (encoded), 25 a call (BatchWriteItem),
        unprocessed ones sent again."""
        for start in range(0, len(requests), _BATCH_WRITE_LIMIT):
            pending: dict[str, Any] = {
                self.table_name: list(requests[start : start + _BATCH_WRITE_LIMIT])
            }
            while pending:
                try:
                    response = self.client.batch_write_item(RequestItems=pending)
                except Exception as exc:
                    raise ViewUnavailableError(
                        f"{self.table_name}: {error_code(exc) or exc}"
                    ) from exc
                pending = response.get("UnprocessedItems") or {}

    def has_applied(self, key: str, stream_name: str, position: int) -> bool:
        """Whether the item ``key`` has applied ``stream_name`` up to ``position``.

        One strongly consistent read of the item's positions: what a page asks, after the
        user's own write, before it shows the view (read your writes).
        """
        try:
            response = self.client.get_item(
                TableName=self.table_name,
                Key=encode_attributes(self.key_of(key)),
                ConsistentRead=True,
                ProjectionExpression="#positions",
                ExpressionAttributeNames={"#positions": POSITIONS},
            )
        except Exception as exc:
            raise ViewUnavailableError(f"{self.table_name}: {error_code(exc) or exc}") from exc
        stored = decode_attributes(response.get("Item") or {}).get(POSITIONS) or {}
        return decode_positions(key, stored).get(stream_name, -1) >= position

    def get_if_applied(self, key: str, stream_name: str, position: int) -> tuple[bool, S | None]:
        """Whether item ``key`` has applied ``stream_name`` up to ``position``, and its state
        (``None`` when there is no item): ``has_applied`` and ``get`` in one strongly
        consistent read, for a page that shows the item once it has the user's write."""
        values = self._read(key)
        if values is None:
            return False, None
        positions = decode_positions(key, values.get(POSITIONS) or {})
        return positions.get(stream_name, -1) >= position, self.from_attributes(values)

    def get(self, key: str) -> S | None:
        """The state of item ``key`` (strongly consistent), or ``None`` when there is none."""
        values = self._read(key)
        return self.from_attributes(values) if values is not None else None

    def _read(self, key: str) -> dict[str, Any] | None:
        """Item ``key``'s attributes as plain values (strongly consistent), or ``None``."""
        try:
            response = self.client.get_item(
                TableName=self.table_name,
                Key=encode_attributes(self.key_of(key)),
                ConsistentRead=True,
            )
        except Exception as exc:
            raise ViewUnavailableError(f"{self.table_name}: {error_code(exc) or exc}") from exc
        item = response.get("Item")
        return decode_attributes(item) if item else None

    def query(self, **request: Any) -> Iterator[dict[str, Any]]:
        """Every item of a query of this table (page after page), as plain values."""
        request["TableName"] = self.table_name
        while True:
            try:
                response = self.client.query(**request)
            except Exception as exc:
                raise ViewUnavailableError(f"{self.table_name}: {error_code(exc) or exc}") from exc
            for item in response.get("Items", []):
                yield decode_attributes(item)
            if not response.get("LastEvaluatedKey"):
                return
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def put_request(self, before: ViewItem[S], after: ViewItem[S]) -> dict[str, Any]:
        """The conditional ``Put`` of ``after`` (usable alone or in a transaction)."""
        attributes = {
            **self.to_attributes(after.state),
            **self.key_of(after.key),
            POSITIONS: encode_positions(after.key, after.positions),
            VERSION: before.version + 1,
        }
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "Item": encode_attributes(attributes),
        }
        if before.version < 0:
            request["ConditionExpression"] = "attribute_not_exists(#version)"
            request["ExpressionAttributeNames"] = {"#version": VERSION}
        else:
            request["ConditionExpression"] = "#version = :version"
            request["ExpressionAttributeNames"] = {"#version": VERSION}
            request["ExpressionAttributeValues"] = {":version": {"N": str(before.version)}}
        return request

    def save(self, changes: Sequence[tuple[ViewItem[S], ViewItem[S]]]) -> None:
        """One conditional put per changed item; ``ViewConflictError`` if any was stale."""
        conflicts = 0
        for before, after in changes:
            try:
                self.client.put_item(**self.put_request(before, after))
            except Exception as exc:
                if error_code(exc) == "ConditionalCheckFailedException":
                    conflicts += 1
                    continue
                raise ViewUnavailableError(f"{self.table_name}: {error_code(exc) or exc}") from exc
        if conflicts:
            raise ViewConflictError(f"{conflicts} item(s) of {self.table_name} changed meanwhile")

    def clear(self) -> int:
        """Delete every item of the table (before a rebuild); the number deleted."""
        key_names = list(self.key_of("x"))
        deleted = 0
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "ProjectionExpression": ", ".join(f"#k{n}" for n in range(len(key_names))),
            "ExpressionAttributeNames": {f"#k{n}": name for n, name in enumerate(key_names)},
        }
        while True:
            try:
                response = self.client.scan(**request)
            except Exception as exc:
                raise ViewUnavailableError(f"{self.table_name}: {error_code(exc) or exc}") from exc
            keys = response.get("Items", [])
            self.batch_write([{"DeleteRequest": {"Key": key}} for key in keys])
            deleted += len(keys)
            if not response.get("LastEvaluatedKey"):
                return deleted
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def transact(self, operations: Sequence[dict[str, Any]]) -> None:
        """Run ``TransactWriteItems``; a failed condition becomes ``ViewConflictError``."""
        try:
            self.client.transact_write_items(TransactItems=list(operations))
        except Exception as exc:
            if error_code(exc) == "TransactionCanceledException":
                # a failed condition or a concurrent transaction: load and fold again
                raise ViewConflictError(f"{self.table_name}: changed meanwhile") from exc
            raise ViewUnavailableError(f"{self.table_name}: {error_code(exc) or exc}") from exc
