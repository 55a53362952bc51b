"""The ``context`` argument of a handler, and the identifiers Lambda gives an invocation."""

from __future__ import annotations

import sys
import time
import uuid

from ..template.functions import FunctionSpec


class LambdaContext:
    """The ``context`` argument, with the attributes and method Lambda's Python runtime has."""

    def __init__(
        self,
        spec: FunctionSpec,
        request_id: str,
        deadline: float,
        log_stream_name: str | None = None,
    ) -> None:
        self.function_name = spec.name
        self.function_version = "$LATEST"
        self.invoked_function_arn = spec.arn
        self.memory_limit_in_mb = str(spec.memory)
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{spec.name}"
        self.log_stream_name = log_stream_name or log_stream_name_now()
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function's Timeout."""
        return max(int((self._deadline - time.monotonic()) * 1000), 0)

    def log(self, message: str) -> None:
        """Write to the function's log, as ``context.log`` does on Lambda."""
        sys.stdout.write(message)


def log_stream_name_now() -> str:
    """A log stream name as Lambda makes them (date, version, random id)."""
    return f"{time.strftime('%Y/%m/%d')}/[$LATEST]{uuid.uuid4().hex}"


def trace_id() -> str:
    """A fresh ``_X_AMZN_TRACE_ID`` value (not sampled)."""
    root = f"1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}"
    return f"Root={root};Parent={uuid.uuid4().hex[:16]};Sampled=0"
