"""The one factory of boto3 clients: created lazily, shared, thread-safe.

Clients (not resources) because clients are thread-safe and the devserver runs many
functions in one process. ``AWS_ENDPOINT_URL`` points every client at moto, LocalStack or
AWS; without it boto3 picks AWS's own endpoints.
"""

from __future__ import annotations

import threading
from typing import Any

from .settings import message_store_settings

_lock = threading.Lock()
_clients: dict[tuple[str, str | None, str], Any] = {}


def client(service: str, *, endpoint_url: str | None = None, region: str | None = None) -> Any:
    """A shared boto3 client for ``service`` (boto3 imported at first use, not at import)."""
    settings = message_store_settings()
    endpoint = endpoint_url or settings.aws_endpoint_url
    region_name = region or settings.aws_region
    key = (service, endpoint, region_name)
    existing = _clients.get(key)
    if existing is not None:
        return existing
    with _lock:
        if key not in _clients:
            import boto3
            from botocore.config import Config

            config = Config(
                retries={"mode": "standard", "max_attempts": 4},
                connect_timeout=3,
                read_timeout=10,
                tcp_keepalive=True,
                max_pool_connections=32,
            )
            _clients[key] = boto3.session.Session().client(
                service, endpoint_url=endpoint, region_name=region_name, config=config
            )
        return _clients[key]


def reset_clients() -> None:
    """Forget every client (tests that swap endpoints or mocks call this)."""
    with _lock:
        _clients.clear()


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a botocore ``ClientError`` (``None`` for anything else)."""
    response = getattr(exc, "response", None)
    return response.get("Error", {}).get("Code") if isinstance(response, dict) else None
