"""SNS topics (standard or FIFO)."""

from __future__ import annotations

from typing import Any

from ...template.resource_types import TOPIC_TYPE
from .context import ProvisionContext
from .inventory import LocalResource

_TOPIC_PROPERTIES = frozenset(
    {
        "TopicName",
        "FifoTopic",
        "ContentBasedDeduplication",
        "DisplayName",
        "KmsMasterKeyId",
        "Tags",
        "TracingConfig",
        "ArchivePolicy",
        "DataProtectionPolicy",
        "SignatureVersion",
        "DeliveryStatusLogging",
    }
)


def provision_topic(
    context: ProvisionContext, logical_id: str, properties: dict[str, Any]
) -> LocalResource:
    """Create (or find) one topic; its ARN is what ``!Ref`` gives."""
    client = context.clients("sns")
    context.report.unknown_properties(logical_id, properties, _TOPIC_PROPERTIES | {"Subscription"})
    if properties.get("Subscription"):
        context.report.unsupported(logical_id, "topic subscriptions are not delivered locally")
    arn = context.physical_ids.get(logical_id)
    if not arn:
        name = properties.get("TopicName") or context.naming.name(logical_id, 256)
        if properties.get("FifoTopic") and not name.endswith(".fifo"):
            name = f"{name}.fifo"
        attributes = {"FifoTopic": "true"} if properties.get("FifoTopic") else {}
        arn = client.create_topic(Name=name, Attributes=attributes)["TopicArn"]
    name = arn.rsplit(":", 1)[-1]
    return LocalResource(
        logical_id, TOPIC_TYPE, arn, arn, {"TopicArn": arn, "TopicName": name}, arn
    )
