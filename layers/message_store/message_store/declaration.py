"""What a consumer reads, declared once: categories, message types, and origins.

A consumer's handlers are keyed by contract class (``Registered``), or by ``from_origin(Sent,
"identity")`` for a type it reads only when the message answers one of its own streams. The
keys are the declaration: the runtime delivers only what it declares, the template's filters
(DynamoDB Streams patterns, SNS filter policies) are checked against it by a test, and the
relay, ``rebuild`` and the devserver's console read it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .contract import Contract
from .message import Message
from .stream_name import category as category_of
from .stream_name import validate_category

#: The message attributes the relay publishes with each message (SNS filter policies use them).
CATEGORY_ATTRIBUTE = "category"
TYPE_ATTRIBUTE = "type"
ORIGIN_CATEGORY_ATTRIBUTE = "originCategory"
#: Lambda's limit of FilterCriteria patterns per event source mapping.
MAX_STREAM_FILTERS = 5


@dataclass(frozen=True)
class Reads:
    """One contract a consumer reads; with ``origin_category``, only messages that answer a
    stream of that category (``metadata.originStreamName``)."""

    contract: type[Contract]
    origin_category: str | None = None

    def __post_init__(self) -> None:
        if self.origin_category is not None:
            validate_category(self.origin_category)

    def accepts(self, message: Message) -> bool:
        """Whether ``message`` is one this entry reads."""
        if message.type != self.contract.type or message.stream_name is None:
            return False
        if category_of(message.stream_name) != self.contract.category:
            return False
        return self.origin_category is None or origin_category(message) == self.origin_category


def from_origin(contract: type[Contract], origin_category: str) -> Reads:
    """``contract`` only when the message answers a stream of ``origin_category``."""
    return Reads(contract, origin_category)


def as_reads(key: type[Contract] | Reads) -> Reads:
    """A handler key as a ``Reads``."""
    return key if isinstance(key, Reads) else Reads(key)


def origin_category(message: Message) -> str | None:
    """The category of the stream ``message`` answers (its ``originStreamName``), if any."""
    origin = message.metadata.origin_stream_name
    return category_of(origin) if origin else None


@dataclass(frozen=True)
class Subscription:
    """What a consumer reads from one category: these types (from this origin, if set)."""

    category: str
    types: tuple[str, ...]
    origin_category: str | None = None

    def stream_filter(self) -> dict[str, Any]:
        """The Lambda ``FilterCriteria`` pattern that passes exactly these stream records."""
        image: dict[str, Any] = {
            "category": {"S": [self.category]},
            "type": {"S": list(self.types)},
        }
        if self.origin_category is not None:
            prefix = f"{self.origin_category}-"
            image["metadata"] = {"M": {"originStreamName": {"S": [{"prefix": prefix}]}}}
        return {"eventName": ["INSERT"], "dynamodb": {"NewImage": image}}

    def queue_filter(self) -> dict[str, Any]:
        """The SNS filter policy (on the relay's message attributes) of these messages."""
        policy: dict[str, Any] = {
            CATEGORY_ATTRIBUTE: [self.category],
            TYPE_ATTRIBUTE: list(self.types),
        }
        if self.origin_category is not None:
            policy[ORIGIN_CATEGORY_ATTRIBUTE] = [self.origin_category]
        return policy

    def describe(self) -> str:
        """``sendEmail: Sent (origin identity)``."""
        origin = f" (origin {self.origin_category})" if self.origin_category else ""
        return f"{self.category}: {', '.join(self.types)}{origin}"


@dataclass(frozen=True)
class Declaration:
    """Everything one consumer reads, grouped by category (and origin).

    ``reads_everything``: every message of every category (an index of all streams), with no
    subscriptions listed.
    """

    name: str
    subscriptions: tuple[Subscription, ...]
    reads_everything: bool = False

    @classmethod
    def everything(cls, name: str) -> Declaration:
        """The declaration of a consumer of every message of every category."""
        return cls(name, (), reads_everything=True)

    @classmethod
    def of(cls, name: str, reads: Iterable[type[Contract] | Reads]) -> Declaration:
        """The declaration of a consumer whose handlers are keyed by ``reads``."""
        grouped: dict[tuple[str, str | None], list[str]] = {}
        for key in reads:
            entry = as_reads(key)
            category = validate_category(entry.contract.category)
            types = grouped.setdefault((category, entry.origin_category), [])
            if entry.contract.type not in types:
                types.append(entry.contract.type)
        return cls(
            name,
            tuple(
                Subscription(category, tuple(types), origin)
                for (category, origin), types in grouped.items()
            ),
        )

    @property
    def categories(self) -> tuple[str, ...]:
        """The categories read, in declaration order, each once."""
        return tuple(dict.fromkeys(s.category for s in self.subscriptions))

    def stream_filters(self) -> list[dict[str, Any]]:
        """The DynamoDB Streams mapping's ``FilterCriteria`` patterns.

        One pattern per subscription, exact. Lambda allows five patterns a mapping: past
        that, one pattern of every category and every type, a superset the runtime narrows
        (it delivers only what the declaration reads).
        """
        if self.reads_everything:
            return [{"eventName": ["INSERT"]}]
        if len(self.subscriptions) <= MAX_STREAM_FILTERS:
            return [s.stream_filter() for s in self.subscriptions]
        types = list(dict.fromkeys(t for s in self.subscriptions for t in s.types))
        image = {"category": {"S": list(self.categories)}, "type": {"S": types}}
        return [{"eventName": ["INSERT"], "dynamodb": {"NewImage": image}}]

    def queue_filter_policy(self) -> dict[str, Any]:
        """The SNS subscription's filter policy (``$or`` of the subscriptions when several)."""
        if self.reads_everything:
            return {}
        policies = [s.queue_filter() for s in self.subscriptions]
        return policies[0] if len(policies) == 1 else {"$or": policies}

    def accepts(self, message: Message) -> bool:
        """Whether this consumer reads ``message`` (its category, type and origin)."""
        if message.stream_name is None:
            return False
        if self.reads_everything:
            return True
        category = category_of(message.stream_name)
        return any(
            subscription.category == category
            and message.type in subscription.types
            and subscription.origin_category in (None, origin_category(message))
            for subscription in self.subscriptions
        )

    def describe(self) -> str:
        """One line: ``viewing: VideoViewed; videoPublishing: VideoPublished, VideoNamed``."""
        if self.reads_everything:
            return "every message of every category"
        return "; ".join(s.describe() for s in self.subscriptions)

    def to_json(self) -> str:
        """The declaration as JSON (for tools and documentation)."""
        return json.dumps(
            {
                "name": self.name,
                "everything": self.reads_everything,
                "reads": [
                    {"category": s.category, "types": list(s.types), "origin": s.origin_category}
                    for s in self.subscriptions
                ],
            }
        )


def union(declarations: Iterable[Declaration], name: str = "all") -> Declaration:
    """One declaration reading what any of ``declarations`` reads (the relay's)."""
    grouped: dict[str, list[str]] = {}
    for declaration in declarations:
        if declaration.reads_everything:
            return Declaration.everything(name)
        for subscription in declaration.subscriptions:
            types = grouped.setdefault(subscription.category, [])
            types.extend(t for t in subscription.types if t not in types)
    return Declaration(name, tuple(Subscription(c, tuple(t)) for c, t in grouped.items()))
