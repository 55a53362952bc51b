"""Drop a view and rebuild it from the message store: ``python -m video_tutorials.rebuild``.

The view's aggregator replays the categories it declares from the store (``read_category``)
in batches. Its live consumer is **paused** meanwhile (its event source mappings disabled,
``MappingSwitch``): clearing the view while it runs would let it add to a fresh total what
the replay then counts again (the home page's total is a counter across items; it counted
32 for 31 viewings). Messages written during the rebuild wait in the stream or the queue and
are applied when the consumer resumes; those the replay applied too are skipped then (each
item keeps the positions it applied).

The replay reads up to the store's settle window before now, so it goes on until the
window has passed the moment of the pause: everything the live consumer had applied before
it is replayed; everything after it is the resumed consumer's.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from message_store import MessageStore
from message_store.aggregator import Aggregator
from message_store.skips import SkippedMessagesTable, SkipRecorder

from . import stack as stacks
from .consumers import aggregators, function_id, view_table_ids
from .mappings import MappingSwitch

BATCH = 100

Progress = Callable[[str, int], None]


@dataclass
class RebuildResult:
    """What a rebuild did: items deleted, messages replayed per category."""

    deleted: int = 0
    replayed: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Messages replayed in all."""
        return sum(self.replayed.values())


def rebuild(
    aggregator: Aggregator[Any],
    store: MessageStore,
    views: Any,
    *,
    pause: Callable[[], AbstractContextManager[None]] | None,
    skips: SkipRecorder | None = None,
    progress: Progress | None = None,
    logger: Any = None,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> RebuildResult:
    """Pause the live consumer, empty ``views``, replay every message the aggregator reads.

    ``pause`` gives the context in which the live consumer does not run (``None`` only when
    it is known not to run: not deployed yet, or stopped by hand).
    """
    log = logger or logging.getLogger("rebuild")
    bound = aggregator.bind(views=views, store=store, logger=log, skips=skips)
    result = RebuildResult()
    with pause() if pause is not None else _nothing():
        paused_at = clock()
        result.deleted = views.clear()
        if aggregator.declaration.reads_everything:
            # no category list to replay: the whole table, each stream in order
            result.replayed["*"] = 0
            for batch in _batches(store.scan()):
                bound.apply(batch)
                result.replayed["*"] += len(batch)
                if progress is not None:
                    progress("every category", result.replayed["*"])
        for category in aggregator.declaration.categories:
            result.replayed[category] = 0
            for batch in _replay(store, category, paused_at, clock, sleep):
                bound.apply(batch)
                result.replayed[category] += len(batch)
                if progress is not None:
                    progress(category, result.replayed[category])
    return result


def _replay(
    store: MessageStore,
    category: str,
    paused_at: float,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> Iterator[list[Any]]:
    """The category's messages in batches, until the settle window has passed the pause."""
    cursor = None
    while True:
        batch = store.read_category(category, after_global_position=cursor, max_messages=BATCH)
        if batch:
            cursor = batch[-1].global_position
            yield batch
            continue
        wait = paused_at + store.settle_window - clock()
        if wait <= 0:
            return
        sleep(min(wait, 1.0))


def _batches(messages: Iterator[Any]) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for message in messages:
        batch.append(message)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


@contextlib.contextmanager
def _nothing() -> Iterator[None]:
    yield


def main(argv: list[str] | None = None) -> None:
    """The command line: rebuild one view, pausing its consumer's mappings meanwhile."""
    views = aggregators()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("view", choices=sorted(views))
    stacks.add_arguments(parser)
    parser.add_argument(
        "--consumer-stopped",
        action="store_true",
        help="do not pause anything: the consumer is not deployed or stopped by hand",
    )
    parser.add_argument(
        "--drain-seconds",
        type=float,
        default=10.0,
        help="after pausing, wait this long for a running invocation (the function timeout)",
    )
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    aggregator = views[arguments.view]
    if aggregator.views is None:
        parser.error(f"{arguments.view} has no view repository to rebuild")
    stack = stacks.from_arguments(arguments)
    pause = None
    if not arguments.consumer_stopped:
        switch = MappingSwitch(
            stack.physical_id(function_id(aggregator)), client=stack.client("lambda")
        )

        def pause() -> AbstractContextManager[None]:
            return switch.paused(arguments.drain_seconds)

    def progress(category: str, count: int) -> None:
        print(f"\r{arguments.view}: {category} {count} messages replayed", end="", flush=True)

    dynamodb = stack.client("dynamodb")
    result = rebuild(
        aggregator,
        MessageStore(stack.physical_id("MessageStoreTable"), client=dynamodb),
        aggregator.views(
            *(stack.physical_id(table) for table in view_table_ids(aggregator)), client=dynamodb
        ),
        pause=pause,
        skips=SkippedMessagesTable(stack.physical_id("SkippedMessagesTable"), client=dynamodb),
        progress=progress,
    )
    print(f"\n{arguments.view}: deleted {result.deleted} items, replayed {result.total} messages")


if __name__ == "__main__":
    main()
