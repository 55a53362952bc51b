"""What an operator watches: the functions' metrics (CloudWatch EMF) and traces (X-Ray).

Every function wires the two the same way (``functions/*/app.py``)::

    metrics = function_metrics()     # Powertools Metrics: namespace and service from the template
    tracer = function_tracer()       # Powertools Tracer where X-Ray records, else a no-op

    @tracer.capture_lambda_handler
    @metrics.log_metrics(capture_cold_start_metric=True)
    @logger.inject_lambda_context
    def lambda_handler(event, context): ...

The consumers' runtime counts what it handles into ``metrics`` (``ConsumerRuntime``); the
metric names are below and the template's alarms and dashboard read them.

Cheap at import: Powertools' ``Tracer()`` imports the X-Ray SDK (and botocore) even when
tracing is off. Under the devserver, ``sam local`` and tests nothing records traces, so
``function_tracer`` hands out ``NoTracer`` there and the SDK is never imported; on Lambda it
hands out ``LazyTracer``, which makes the real one at the first invocation.
"""

from __future__ import annotations

import functools
import threading
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from .settings import observability_settings

F = TypeVar("F", bound=Callable[..., Any])

#: The metrics namespace when the environment names none (the template always does).
DEFAULT_NAMESPACE = "VideoTutorials"

# -- metric names (the template's alarms and dashboard use the same) ------------------------
#: records a consumer finished (applied, ignored as not its business, or skipped as invalid)
MESSAGES_HANDLED = "MessagesHandled"
#: messages skipped because they break their contract (never applied; see SkippedMessages)
INVALID_MESSAGES = "InvalidMessages"
#: records reported failed to Lambda: retried, then dead-lettered if the failure lasts
FAILED_MESSAGES = "FailedMessages"
#: seconds between a message's writing and its handling, for the last message of a batch
#: (an aggregator's view lag; a component's or the relay's delay)
LAG = "Lag"
#: log-in attempts refused: wrong password or unknown email (401)
LOGIN_FAILURES = "LoginFailures"
#: log-in attempts refused unchecked because the account is locked (429)
LOCKED_OUT_LOGINS = "LockedOutLogins"
#: successful log-ins
LOGINS = "Logins"


def function_metrics(namespace: str | None = None) -> Any:
    """Powertools ``Metrics`` (EMF to stdout, flushed by ``log_metrics``).

    The namespace is ``namespace``, else ``POWERTOOLS_METRICS_NAMESPACE``, else
    ``DEFAULT_NAMESPACE``; the ``service`` dimension is ``POWERTOOLS_SERVICE_NAME``.
    """
    from aws_lambda_powertools import Metrics

    # most requests of an application count nothing: that is expected, not worth a warning
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    chosen = namespace or observability_settings().powertools_metrics_namespace
    return Metrics(namespace=chosen or DEFAULT_NAMESPACE)


class NoTracer:
    """Powertools ``Tracer``'s decorators and annotations, doing nothing (tracing is off)."""

    def capture_lambda_handler(self, handler: F | None = None, **_: Any) -> Any:
        """The handler itself (also usable as ``@capture_lambda_handler(...)``)."""
        if handler is None:
            return lambda function: function
        return handler

    def capture_method(self, method: F | None = None, **_: Any) -> Any:
        """The method itself (also usable as ``@capture_method(...)``)."""
        if method is None:
            return lambda function: function
        return method

    def put_annotation(self, key: str, value: Any) -> None:
        """Nothing to annotate."""

    def put_metadata(self, key: str, value: Any, namespace: str | None = None) -> None:
        """Nothing to record."""


class LazyTracer:
    """Powertools' ``Tracer`` (botocore patched: every AWS call is a subsegment), made at the
    first invocation: creating it imports the X-Ray SDK and botocore (about 110 ms measured
    here), which the import of a function's module need not pay."""

    def __init__(self) -> None:
        self._tracer: Any = None
        self._lock = threading.Lock()

    def load(self) -> Any:
        """The Powertools ``Tracer`` (made once)."""
        with self._lock:
            if self._tracer is None:
                from aws_lambda_powertools import Tracer

                self._tracer = Tracer(patch_modules=["botocore"])
            return self._tracer

    def capture_lambda_handler(self, handler: F | None = None, **options: Any) -> Any:
        """``handler`` traced by Powertools (also usable as ``@capture_lambda_handler(...)``)."""
        if handler is None:
            return functools.partial(self.capture_lambda_handler, **options)
        traced: Any = None

        @functools.wraps(handler)
        def wrapper(event: Any, context: Any) -> Any:
            nonlocal traced
            if traced is None:
                traced = self.load().capture_lambda_handler(handler, **options)
            return traced(event, context)

        return wrapper

    def capture_method(self, method: F | None = None, **options: Any) -> Any:
        """``method`` traced as a subsegment (the tracer is made at its first call)."""
        if method is None:
            return functools.partial(self.capture_method, **options)
        traced: Any = None

        @functools.wraps(method)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            nonlocal traced
            if traced is None:
                traced = self.load().capture_method(method, **options)
            return traced(*args, **kwargs)

        return wrapper

    def put_annotation(self, key: str, value: Any) -> None:
        """Annotate the current segment (searchable in X-Ray)."""
        self.load().put_annotation(key=key, value=value)

    def put_metadata(self, key: str, value: Any, namespace: str | None = None) -> None:
        """Attach metadata to the current segment."""
        self.load().put_metadata(key=key, value=value, namespace=namespace)


def function_tracer() -> Any:
    """A ``LazyTracer`` where X-Ray records traces (``ObservabilitySettings.tracing``: on
    Lambda), else a ``NoTracer`` (the devserver, ``sam local``, tests)."""
    if not observability_settings().tracing:
        return NoTracer()
    return LazyTracer()


def seconds_since(moment: datetime, now: datetime | None = None) -> float:
    """How long ago ``moment`` was, in seconds (0 for a moment in the future: clock skew).

    A naive ``moment`` is taken as UTC (the store writes UTC).
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    elapsed = ((now or datetime.now(UTC)) - moment).total_seconds()
    return max(elapsed, 0.0)
