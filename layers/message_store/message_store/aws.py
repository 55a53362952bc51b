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
_clients: dict[tuple[Any, ...], Any] = {}


def client(
    service: str,
    *,
    endpoint_url: str | None = None,
    region: str | None = None,
    attempts: int = 5,
    connect_timeout: float = 3,
    read_timeout: float = 10,
    credentials: tuple[str, str] | None = None,
) -> Any:
    """A shared boto3 client for ``service`` (boto3 imported at first use, not at import).

    ``attempts`` is the SDK's attempts in all, the first included (1: no SDK retry, the
    caller retries itself). ``credentials`` (key id, secret) replace the default chain's
    (tools use the emulator's placeholder pair). Without ``endpoint_url``, the endpoint is
    ``AWS_ENDPOINT_URL`` (``AWS_ENDPOINT_URL_LAMBDA`` for Lambda, when set).
    """
    settings = message_store_settings()
    endpoint = endpoint_url or settings.aws_endpoint_url
    if service == "lambda" and not endpoint_url and settings.aws_endpoint_url_lambda:
        endpoint = settings.aws_endpoint_url_lambda
    region_name = region or settings.aws_region
    key = (service, endpoint, region_name, attempts, connect_timeout, read_timeout, credentials)
    existing = _clients.get(key)
    if existing is not None:
        return existing
    with _lock:
        if key not in _clients:
            import boto3
            from botocore.config import Config

            config = Config(
                retries={"mode": "standard", "total_max_attempts": attempts},
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
                tcp_keepalive=True,
                max_pool_connections=32,
            )
            session = boto3.session.Session(
                aws_access_key_id=credentials[0] if credentials else None,
                aws_secret_access_key=credentials[1] if credentials else None,
            )
            _clients[key] = session.client(
                service, endpoint_url=endpoint, region_name=region_name, config=config
            )
        return _clients[key]


class LazyClient:
    """A class's ``client``: the instance's ``_client`` when one was given, else the shared
    client of ``service`` (``client(service)``), made at first use and kept in ``_client``."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.__doc__ = f"The {service} client (created at first use, through the shared factory)."

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        if instance._client is None:
            instance._client = client(self.service)
        return instance._client


def reset_clients() -> None:
    """Forget every client (tests that swap endpoints or mocks call this)."""
    with _lock:
        _clients.clear()


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a botocore ``ClientError`` (``None`` for anything else)."""
    response = getattr(exc, "response", None)
    return response.get("Error", {}).get("Code") if isinstance(response, dict) else None


#: Error codes a retry may cure (throttling, a service's own trouble).
_RETRYABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "Throttling",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionInProgressException",
    }
)


def is_retryable(exc: BaseException) -> bool:
    """Whether another attempt of the same request may succeed (what the SDK would retry)."""
    from botocore.exceptions import ConnectionError as BotocoreConnectionError
    from botocore.exceptions import HTTPClientError

    if isinstance(exc, BotocoreConnectionError | HTTPClientError):
        return True  # connect and read timeouts, closed connections
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return False
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return error_code(exc) in _RETRYABLE_CODES or status >= 500
