"""moto helpers: tables from template.yaml, and serialising moto for concurrency tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from devserver.resources import create_tables
from devserver.template import Intrinsics, load_template, parameter_defaults


def create_template_tables(client: Any, prefix: str = "test") -> dict[str, str]:
    """Create every table of template.yaml; return ``{logical id: table name}``."""
    template = load_template()
    intrinsics = Intrinsics(refs={**parameter_defaults(template), "AWS::StackName": prefix})
    return create_tables(client, template, lambda logical_id: f"{prefix}-{logical_id}", intrinsics)


@contextmanager
def serialised_moto() -> Iterator[None]:
    """Run moto's in-process backend one request at a time.

    moto's DynamoDB backend has no lock: two threads' conditional puts on one key can both
    succeed (DESIGN.md section 7). Real DynamoDB is atomic, so the tests make moto so too.
    """
    from moto.core.botocore_stubber import BotocoreStubber

    lock = threading.Lock()
    original = BotocoreStubber.__call__

    def locked(self: Any, *args: Any, **kwargs: Any) -> Any:
        with lock:
            return original(self, *args, **kwargs)

    BotocoreStubber.__call__ = locked  # type: ignore[method-assign]
    try:
        yield
    finally:
        BotocoreStubber.__call__ = original  # type: ignore[method-assign]
