"""Paging the admin views: a page of items, and the key the next page starts after."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from message_store.aws import error_code
from message_store.views import DynamoViewRepository, ViewUnavailableError, decode_attributes

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """Some items, and the key after which the next page starts (``None``: the last page)."""

    items: list[T] = field(default_factory=list)
    next_after: str | None = None


def _paged(
    repository: DynamoViewRepository[Any],
    operation: str,
    request: dict[str, Any],
    convert: Callable[[dict[str, Any]], T],
    key: str,
    limit: int,
) -> Page[T]:
    """Read up to ``limit`` items, page after page (a filter may leave a page short)."""
    items: list[T] = []
    request = {"TableName": repository.table_name, **request}
    last: dict[str, Any] | None = None
    while len(items) < limit:
        request["Limit"] = limit - len(items)
        try:
            response = getattr(repository.client, operation)(**request)
        except Exception as exc:
            raise ViewUnavailableError(
                f"{repository.table_name}: {error_code(exc) or exc}"
            ) from exc
        items.extend(convert(decode_attributes(raw)) for raw in response.get("Items", []))
        last = response.get("LastEvaluatedKey")
        if not last:
            return Page(items)
        request["ExclusiveStartKey"] = last
    return Page(items, decode_attributes(last)[key] if last else None)


def scan_page(
    repository: DynamoViewRepository[Any],
    convert: Callable[[dict[str, Any]], T],
    key: str,
    after: str | None,
    limit: int,
) -> Page[T]:
    """A page of a whole table (a scan: for operators' pages), after the item ``after``."""
    request: dict[str, Any] = {}
    if after:
        request["ExclusiveStartKey"] = {key: {"S": after}}
    return _paged(repository, "scan", request, convert, key, limit)


def query_page(
    repository: DynamoViewRepository[Any],
    convert: Callable[[dict[str, Any]], T],
    request: dict[str, Any],
    key: str,
    start_key: Callable[[str], dict[str, Any]] | None,
    after: str | None,
    limit: int,
) -> Page[T]:
    """A page of a query; ``start_key(after)`` is the key to start after."""
    request = dict(request)
    if after and start_key is not None:
        request["ExclusiveStartKey"] = start_key(after)
    return _paged(repository, "query", request, convert, key, limit)
