"""Every consumer of the app, found in its modules, and the names it has in the template.

Adding a consumer is its module (a module-level ``Component`` in ``components/`` or
``Aggregator`` in ``aggregators/``), its view, its entry in ``template.yaml`` and its test:
``tests/unit/test_template_consumers.py`` fails until the template's resources for it exist,
named as below, with filters that match its declaration.
"""

from __future__ import annotations

from functools import cache

from message_store.aggregator import Aggregator
from message_store.consumer import Component
from message_store.declaration import Declaration, union
from message_store.registry import Consumer, discover

PACKAGES = ("video_tutorials.components", "video_tutorials.aggregators")
#: The relay's name: the one reader of the store's stream in the ``Queues`` topology.
RELAY = "relay"


@cache
def all_consumers() -> dict[str, Consumer]:
    """Every component and aggregator, by name."""
    return discover(*PACKAGES)


def aggregators() -> dict[str, Aggregator]:
    """Every aggregator, by name."""
    return {n: c for n, c in all_consumers().items() if isinstance(c, Aggregator)}


def relay_declaration() -> Declaration:
    """What the relay publishes: whatever any consumer reads."""
    return union((c.declaration for c in all_consumers().values()), name=RELAY)


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))


def base_id(consumer: Consumer) -> str:
    """``HomePageAggregator``, ``IdentityComponent``: the stem of its template names."""
    kind = "Component" if isinstance(consumer, Component) else "Aggregator"
    return f"{_pascal(consumer.name)}{kind}"


def function_id(consumer: Consumer) -> str:
    """The logical id of the consumer's function: ``HomePageAggregatorFunction``."""
    return f"{base_id(consumer)}Function"


def stream_mapping_id(consumer: Consumer) -> str:
    """Its DynamoDB Streams event source mapping (``Streams`` topology)."""
    return f"{base_id(consumer)}StreamMapping"


def queue_id(consumer: Consumer) -> str:
    """Its SQS FIFO queue (``Queues`` topology)."""
    return f"{base_id(consumer)}Queue"


def dead_letter_queue_id(consumer: Consumer) -> str:
    """Its queue's redrive dead-letter queue (``Queues`` topology)."""
    return f"{base_id(consumer)}DeadLetterQueue"


def subscription_id(consumer: Consumer) -> str:
    """Its queue's subscription to the message topic (``Queues`` topology)."""
    return f"{base_id(consumer)}Subscription"


def view_table_id(aggregator: Aggregator) -> str:
    """An aggregator's view table: ``HomePageViewTable``."""
    return f"{_pascal(aggregator.name)}ViewTable"


def view_table_ids(aggregator: Aggregator) -> tuple[str, ...]:
    """Every table of an aggregator's view: its own, and those its views class names (in the
    order its constructor takes them)."""
    extra = getattr(aggregator.views, "EXTRA_TABLES", ())
    return (view_table_id(aggregator), *extra)


def queue_mapping_id(consumer: Consumer) -> str:
    """Its SQS event source mapping (``Queues`` topology)."""
    return f"{base_id(consumer)}QueueMapping"


def main(argv: list[str] | None = None) -> None:
    """``python -m video_tutorials.consumers [NAME…]``: what each consumer reads, and the
    filters its template entry needs (stream patterns, SNS filter policy), ready to paste."""
    import json
    import sys

    names = (sys.argv[1:] if argv is None else argv) or [*all_consumers(), RELAY]
    for name in names:
        if name == RELAY:
            declaration, base = relay_declaration(), "Relay"
        else:
            consumer = all_consumers()[name]
            declaration, base = consumer.declaration, base_id(consumer)
        print(f"{name} ({base}): reads {declaration.describe()}")
        print("  FilterCriteria Filters (its StreamMapping):")
        for pattern in declaration.stream_filters():
            print(f"    - Pattern: '{json.dumps(pattern)}'")
        if name != RELAY:
            policy = json.dumps(declaration.queue_filter_policy())
            print(f"  FilterPolicy (its Subscription): {policy}")


if __name__ == "__main__":
    main()
