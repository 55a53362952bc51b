"""The banner printed when the devserver is up: where everything is and what runs.

Its URLs, the emulator's state, the resources by type, each function with its routes and
event source mappings, chaos, then every notice of what does not run as on AWS. A
function whose handler module has a ``consumer`` with a ``describe()`` method says, in its
own words, what it reads (``consumer_descriptions``); the others' mappings are described
by their settings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from .chaos import ChaosSettings
from .emulator.resources import LocalResources
from .runtime import FunctionError, Runtime
from .template.application import Application
from .template.event_sources import QueueSource, StreamSource
from .template.functions import FunctionSpec
from .template.resource_types import (
    BUCKET_TYPE,
    EMAIL_IDENTITY_TYPE,
    PARAMETER_TYPE,
    QUEUE_TYPE,
    SECRET_TYPE,
    SUBSCRIPTION_TYPE,
    TABLE_TYPE,
    TOPIC_TYPE,
)

_RESOURCE_LABELS = (
    (TABLE_TYPE, "tables"),
    (QUEUE_TYPE, "queues"),
    (BUCKET_TYPE, "buckets"),
    (TOPIC_TYPE, "topics"),
    (SUBSCRIPTION_TYPE, "subscribed"),
    (SECRET_TYPE, "secrets"),
    (PARAMETER_TYPE, "parameters"),
    (EMAIL_IDENTITY_TYPE, "mail from"),
)


@dataclass(frozen=True)
class Banner:
    """What the banner says (``lines()`` gives its text, notices aside)."""

    template: Path
    seconds: float
    endpoint_url: str | None
    api_url: str | None
    lambda_url: str | None
    resources: LocalResources
    application: Application
    functions: Mapping[str, FunctionSpec]
    #: the emulator's snapshot file and whether it was restored (None: no emulator)
    emulator_state: tuple[Path | None, bool] | None = None
    outbox: Path | None = None
    init_errors: Mapping[str, FunctionError] = field(default_factory=dict)
    chaos: ChaosSettings | None = None
    #: what each consumer says it reads, by function (``consumer_descriptions``)
    consumers: Mapping[str, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The banner's lines, top to bottom (the notices are the console's own)."""
        lines = [f"devserver — {self.template.name}, ready in {self.seconds:.1f} s"]
        if self.emulator_state is not None:
            snapshot, restored = self.emulator_state
            state = (
                f"state {snapshot} ({'restored' if restored else 'empty'})"
                if snapshot is not None
                else "no state"
            )
            lines.append(f"  emulator   {self.endpoint_url}  (moto, {state})")
        else:
            lines.append(f"  endpoint   {self.endpoint_url or 'AWS'}")
        lines.append(f"  api        {self.api_url}")
        lines.append(
            f"  lambda     {self.lambda_url}  (boto3 lambda client: Invoke, event source mappings)"
        )
        for resource_type, label in _RESOURCE_LABELS:
            for index, resource in enumerate(self.resources.of_type(resource_type)):
                name = label if index == 0 else ""
                lines.append(
                    f"  {name:<10} {resource.logical_id} → "
                    f"{resource.detail or resource.physical_id}"
                )
        if self.outbox is not None:
            lines.append(f"  outbox     {self.outbox}  (devserver.outbox.sent_mail)")
        if self.functions:
            lines.append("  functions")
        for logical_id in self.functions:
            lines.extend(self._function(logical_id))
        if self.chaos is not None:
            lines.append(
                f"  chaos      every batch twice, {self.chaos.failure_rate:.0%} of invocations "
                f"fail (seed {self.chaos.seed})"
            )
        return lines

    def _function(self, logical_id: str) -> list[str]:
        status = "  (init error)" if logical_id in self.init_errors else ""
        lines = [f"    {logical_id}{status}"]
        for route in self.application.routes_of(logical_id):
            lines.append(f"      {route.method:<7} {route.path}")
        consumer = self.consumers.get(logical_id)
        if consumer is not None:
            lines.append(f"      reads   {consumer}")
        for mapping in self.application.mappings_of(logical_id):
            state = "" if mapping.enabled else " (disabled)"
            settings = "" if consumer is not None else f": {mapping.describe()}"
            if isinstance(mapping, StreamSource):
                table = mapping.table_id or mapping.stream_arn
                lines.append(f"      stream  {table}{settings}{state}")
            elif isinstance(mapping, QueueSource):
                queue = mapping.queue_id or mapping.queue_arn.rsplit(":", 1)[-1]
                lines.append(f"      queue   {queue}{settings}{state}")
        return lines


def consumer_descriptions(runtime: Runtime, function_ids: Iterable[str]) -> dict[str, str]:
    """``consumer.describe()`` of each function's handler module that has one."""
    descriptions = {}
    for function_id in function_ids:
        try:
            text = runtime.run_inside(function_id, _describe_consumer)
        except Exception:  # noqa: S112 - a describe() that fails only costs the banner a line
            continue
        if text:
            descriptions[function_id] = text
    return descriptions


def _describe_consumer(module: ModuleType) -> str | None:
    describe = getattr(getattr(module, "consumer", None), "describe", None)
    if not callable(describe):
        return None
    text = describe()
    return " ".join(text.split()) if isinstance(text, str) else None
