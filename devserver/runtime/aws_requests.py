"""Watching the AWS requests a function's clients make (a benchmark counts them per function).

When a runtime is given an observer, botocore's ``BaseClient._make_api_call`` — where every
client call, paginator and waiter goes through — is wrapped once for the process; the
wrapper tells the observer of each request made on a thread while that thread runs a
function (its cold start included): the function, the service, the operation, the
parameters and the parsed response (a failed request's error response, before its
``ClientError`` is raised). Requests made elsewhere (the host, the devserver's own
clients, threads a handler starts) are not reported.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

#: ``(function_id, service, operation, params, response)``, e.g. ``("HomeFunction",
#: "dynamodb", "GetItem", {...}, {...})``
RequestObserver = Callable[[str, str, str, Mapping[str, Any], Mapping[str, Any]], None]

_local = threading.local()
_install_lock = threading.Lock()
_installed = False


def install() -> None:
    """Wrap botocore's client calls (once for the process)."""
    global _installed
    with _install_lock:
        if _installed:
            return
        from botocore.client import BaseClient
        from botocore.exceptions import ClientError

        original = BaseClient._make_api_call

        def make_api_call(self: Any, operation_name: str, api_params: Mapping[str, Any]) -> Any:
            watching: tuple[RequestObserver, str] | None = getattr(_local, "watching", None)
            if watching is None:
                return original(self, operation_name, api_params)
            observer, function_id = watching
            service = self.meta.service_model.service_name
            try:
                response = original(self, operation_name, api_params)
            except ClientError as exc:
                observer(function_id, service, operation_name, api_params, exc.response)
                raise
            observer(function_id, service, operation_name, api_params, response)
            return response

        BaseClient._make_api_call = make_api_call  # type: ignore[method-assign]
        _installed = True


def watching_as(observer: RequestObserver | None, function_id: str = "") -> None:
    """Report this thread's requests to ``observer`` as ``function_id``'s (``None``: stop)."""
    _local.watching = (observer, function_id) if observer is not None else None
