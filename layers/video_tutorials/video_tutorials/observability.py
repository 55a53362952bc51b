"""The site's own metrics, beyond what every consumer counts (``message_store.observability``).

Log-ins are what an operator watches at the door: a burst of failures is someone guessing
passwords. The authenticate function counts each log-in attempt's outcome from the response
it returns, so the count holds whatever the application's internals become.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from message_store.observability import LOCKED_OUT_LOGINS, LOGIN_FAILURES, LOGINS

#: the log-in form's path, below the application's prefix (a stage or a custom base path)
LOG_IN_PATH = "/auth/log-in"

#: the metric each outcome of ``POST /auth/log-in`` counts, by status code
LOG_IN_OUTCOMES = {
    303: LOGINS,  # logged in, redirected
    401: LOGIN_FAILURES,  # unknown email or wrong password
    429: LOCKED_OUT_LOGINS,  # refused unchecked: too many failures in a row
}


def count_log_in_outcome(
    metrics: Any, event: Mapping[str, Any], response: Mapping[str, Any]
) -> None:
    """Count a ``POST /auth/log-in``'s outcome into ``metrics`` (nothing for other requests).

    ``event`` is the API Gateway proxy event, ``response`` the handler's proxy response.
    """
    if str(event.get("httpMethod", "")).upper() != "POST":
        return
    path = str(event.get("path") or "").rstrip("/")
    if not path.endswith(LOG_IN_PATH):
        return
    metric = LOG_IN_OUTCOMES.get(int(response.get("statusCode") or 0))
    if metric is not None:
        metrics.add_metric(name=metric, unit="Count", value=1)
