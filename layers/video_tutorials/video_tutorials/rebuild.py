"""Drop a view and rebuild it from the message store: ``python -m video_tutorials.rebuild``.

The view's aggregator replays its categories from the store (``read_category``) in batches.
The live consumer may keep running meanwhile: both guard every view item by the positions it
applied, so whichever applies a message first wins and the other skips it.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from message_store import MessageStore
from message_store.aggregator import Aggregator

from .aggregators.home_page import home_page_aggregator
from .aggregators.user_credentials import user_credentials_aggregator
from .views.home_page import HomePageViews
from .views.user_credentials import UserCredentialsViews

BATCH = 100


@dataclass(frozen=True)
class RebuildableView:
    categories: tuple[str, ...]
    views: Callable[[str], Any]
    aggregator: Callable[[MessageStore, Any, Any], Aggregator[Any]]


VIEWS = {
    "home-page": RebuildableView(
        ("viewing", "videoPublishing"), HomePageViews, home_page_aggregator
    ),
    "user-credentials": RebuildableView(
        ("identity",), UserCredentialsViews, user_credentials_aggregator
    ),
}


def rebuild(name: str, store: MessageStore, view_table: str, logger: Any = None) -> dict[str, int]:
    """Empty the view table, then fold every message of the view's categories into it."""
    spec = VIEWS[name]
    log = logger or logging.getLogger("rebuild")
    views = spec.views(view_table)
    deleted = views.clear()
    aggregator = spec.aggregator(store, views, log)
    replayed = 0
    for category in spec.categories:
        cursor = None
        while batch := store.read_category(
            category, after_global_position=cursor, max_messages=BATCH
        ):
            aggregator.apply(batch)
            replayed += len(batch)
            cursor = batch[-1].global_position
    return {"deleted": deleted, "replayed": replayed}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("view", choices=sorted(VIEWS))
    parser.add_argument("--message-store-table", required=True)
    parser.add_argument("--view-table", required=True)
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    store = MessageStore(arguments.message_store_table)
    result = rebuild(arguments.view, store, arguments.view_table)
    deleted, replayed = result["deleted"], result["replayed"]
    print(f"{arguments.view}: deleted {deleted} items, replayed {replayed} messages")


if __name__ == "__main__":
    main()
