"""View items: what aggregators write and applications read.

Each item has its state, the last position it applied of every source stream, and a
version that guards its writes. Apart from the aggregator runtime, so that applications,
which only read views, do not load the consumer runtime.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

S = TypeVar("S")

#: An item key ``{entity}|{part}`` names one part of an entity's item — its counts of some of
#: its compound streams, say, apart from what every page lists — and holds whole streams of
#: that entity, as the entity's own item does (stream ids hold no ``|``).
PART_SEPARATOR = "|"


def part_key(entity: str, part: str | int) -> str:
    """The key of one part of ``entity``'s item: ``part_key(videoId, "views3")``."""
    return f"{entity}{PART_SEPARATOR}{part}"


def entity_of(item_key: str) -> str:
    """The entity an item key belongs to: the key itself, or the part key's entity."""
    return item_key.split(PART_SEPARATOR, 1)[0]


class ViewConflictError(Exception):
    """A view item changed between loading and saving it; the batch is folded again."""


@dataclass(frozen=True)
class ViewItem(Generic[S]):
    """One item of a view: its state, the positions applied per source stream, a version."""

    key: str
    state: S
    positions: Mapping[str, int] = field(default_factory=dict)
    version: int = -1  # -1: not stored yet


class ViewRepository(Protocol[S]):
    """Where an aggregator's view items live."""

    def load(self, keys: Sequence[str]) -> dict[str, ViewItem[S]]:
        """The stored items among ``keys`` (strongly consistent); missing keys are absent."""
        ...

    def save(self, changes: Sequence[tuple[ViewItem[S], ViewItem[S]]]) -> None:
        """Write each ``(before, after)`` once, unless ``before.version`` is stale; the
        item written is at version ``before.version + 1`` (what a replay folds onto next).

        Raises ``ViewConflictError`` when any item changed since it was loaded; then
        nothing of that write is applied.
        """
        ...
