"""Pausing a consumer: its event source mappings disabled, then enabled again.

While a mapping is disabled its messages wait (in the stream, within its 24 hours; or in the
queue), and it resumes where it stopped. ``rebuild`` pauses the live consumer of the view it
rebuilds; an operator can pause one for maintenance. Works wherever Lambda's API answers: AWS,
LocalStack, or the devserver's Lambda endpoint (``--lambda-endpoint-url``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from message_store import aws


class MappingError(Exception):
    """A consumer's mappings could not be found or switched (the reason in the message)."""


class MappingSwitch:
    """Disables and enables every event source mapping of one function."""

    def __init__(
        self,
        function_name: str,
        *,
        client: Any | None = None,
        endpoint_url: str | None = None,
        timeout: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.function_name = function_name
        self._client = client
        self._endpoint_url = endpoint_url
        self.timeout = timeout
        self.sleep = sleep

    @property
    def client(self) -> Any:
        """The Lambda client (at ``endpoint_url`` when given)."""
        if self._client is None:
            self._client = aws.client("lambda", endpoint_url=self._endpoint_url)
        return self._client

    def mappings(self) -> list[dict[str, Any]]:
        """The function's event source mappings (``MappingError`` when it has none)."""
        found: list[dict[str, Any]] = []
        request: dict[str, Any] = {"FunctionName": self.function_name}
        try:
            while True:
                response = self.client.list_event_source_mappings(**request)
                found.extend(response.get("EventSourceMappings", []))
                if not response.get("NextMarker"):
                    break
                request["Marker"] = response["NextMarker"]
        except Exception as exc:
            raise MappingError(f"{self.function_name}: {aws.error_code(exc) or exc}") from exc
        if not found:
            raise MappingError(f"{self.function_name} has no event source mapping")
        return found

    def set_enabled(self, enabled: bool) -> list[str]:
        """Switch every mapping and wait until each is ``Enabled``/``Disabled``; their UUIDs.

        ``Disabled`` means the poller stopped; an invocation it started may still run (up to
        the function's timeout), which ``paused`` waits out.
        """
        target = "Enabled" if enabled else "Disabled"
        uuids = [m["UUID"] for m in self.mappings()]
        for uuid in uuids:
            self.client.update_event_source_mapping(UUID=uuid, Enabled=enabled)
        deadline = time.monotonic() + self.timeout
        for uuid in uuids:
            while self.client.get_event_source_mapping(UUID=uuid)["State"] != target:
                if time.monotonic() > deadline:
                    raise MappingError(f"mapping {uuid} is not {target} after {self.timeout} s")
                self.sleep(0.05)
        return uuids

    def pause(self, drain_seconds: float = 0.0) -> bool:
        """Disable every mapping (and wait ``drain_seconds`` for an invocation already running,
        when one was enabled); True when one was. Not undone by anything: ``resume`` it.

        What a rebuild uses: it stays paused when the rebuild is interrupted, until the
        rebuild is resumed and finished."""
        states = {m["UUID"]: m.get("State") for m in self.mappings()}
        running = any(state != "Disabled" for state in states.values())
        self.set_enabled(False)
        if running and drain_seconds > 0:
            self.sleep(drain_seconds)
        return running

    def resume(self) -> None:
        """Enable every mapping again (they take up where they stopped)."""
        self.set_enabled(True)

    @contextmanager
    def paused(self, drain_seconds: float = 0.0) -> Iterator[None]:
        """The function's mappings disabled inside the block (and ``drain_seconds`` more for
        an invocation already running to finish), enabled again after it, whatever happens."""
        self.set_enabled(False)
        try:
            if drain_seconds > 0:
                self.sleep(drain_seconds)
            yield
        finally:
            self.set_enabled(True)
