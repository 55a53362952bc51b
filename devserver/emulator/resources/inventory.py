"""What exists on the endpoint for the template: each resource's physical id, ref, attributes."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ...template.resource_types import QUEUE_TYPE, SUBSCRIPTION_TYPE


@dataclass(frozen=True)
class LocalResource:
    """One resource as it exists on the endpoint: what ``!Ref`` and ``!GetAtt`` give."""

    logical_id: str
    type: str
    physical_id: str
    ref: Any
    attributes: dict[str, Any] = field(default_factory=dict)
    detail: str = ""


@dataclass
class LocalResources:
    """Every resource the devserver created or found, for intrinsics and the banner."""

    region: str
    account_id: str
    by_id: dict[str, LocalResource] = field(default_factory=dict)

    def of_type(self, resource_type: str) -> list[LocalResource]:
        """The resources of one type, in creation order."""
        return [r for r in self.by_id.values() if r.type == resource_type]

    def refs(self) -> dict[str, Any]:
        """``{logical id: what !Ref gives}``."""
        return {logical_id: r.ref for logical_id, r in self.by_id.items()}

    def attributes(self) -> dict[tuple[str, str], Any]:
        """``{(logical id, attribute): what !GetAtt gives}``."""
        return {
            (logical_id, name): value
            for logical_id, r in self.by_id.items()
            for name, value in r.attributes.items()
        }

    def queue_url_for_arn(self, arn: str) -> str | None:
        """The URL of the queue with this ARN, when it is one of the template's."""
        for queue in self.of_type(QUEUE_TYPE):
            if queue.attributes.get("Arn") == arn:
                return queue.attributes["QueueUrl"]
        return None

    def subscriptions(self) -> dict[str, set[str]]:
        """``{topic ARN: the names of the SQS queues subscribed to it}``."""
        topics: dict[str, set[str]] = {}
        for subscription in self.of_type(SUBSCRIPTION_TYPE):
            topic, endpoint = (
                subscription.attributes["TopicArn"],
                subscription.attributes["Endpoint"],
            )
            if subscription.attributes.get("Protocol") == "sqs":
                topics.setdefault(topic, set()).add(endpoint.rsplit(":", 1)[-1])
        return topics


@dataclass(frozen=True)
class Naming:
    """How the devserver names what the template leaves unnamed (stable across runs).

    ``name_for`` replaces the ``{stack}-{LogicalId}`` rule (tests name their tables
    ``test-{LogicalId}``).
    """

    stack_name: str
    name_for: Callable[[str], str] | None = None

    def name(self, logical_id: str, max_length: int = 255) -> str:
        """``{stack}-{LogicalId}``, as CloudFormation would without its random suffix."""
        if self.name_for is not None:
            return self.name_for(logical_id)[:max_length]
        return f"{self.stack_name}-{logical_id}"[:max_length]

    def bucket(self, logical_id: str) -> str:
        """A valid bucket name: lower case, digits, hyphens, 3 to 63 characters."""
        raw = re.sub(r"[^a-z0-9-]", "-", self.name(logical_id).lower())
        return raw.strip("-")[:63] or "devserver-bucket"
