"""SNS topics (standard or FIFO) and their subscriptions, delivered by the emulator itself.

moto delivers a publish to every SQS queue subscribed to the topic, in the same request:
filter policies on message attributes or on the body (``FilterPolicyScope``, ``$or``
included), raw delivery, and for FIFO topics the ``MessageGroupId`` kept and the
deduplication ids honoured. So a subscription is created, and the topology runs as on AWS.
Other protocols (Lambda, HTTP, e-mail …) are not delivered locally and are reported.
"""

from __future__ import annotations

import json
from typing import Any

from ...template import cfn_string
from ...template.resource_types import SUBSCRIPTION_TYPE, TOPIC_TYPE
from .context import ProvisionContext
from .inventory import LocalResource

_TOPIC_ATTRIBUTES = ("FifoTopic", "ContentBasedDeduplication", "FifoThroughputScope")
_TOPIC_PROPERTIES = frozenset(
    {
        *_TOPIC_ATTRIBUTES,
        "TopicName",
        "DisplayName",
        "KmsMasterKeyId",
        "Tags",
        "TracingConfig",
        "ArchivePolicy",
        "DataProtectionPolicy",
        "SignatureVersion",
        "DeliveryStatusLogging",
        "Subscription",
    }
)
_SUBSCRIPTION_PROPERTIES = frozenset(
    {
        "TopicArn",
        "Protocol",
        "Endpoint",
        "RawMessageDelivery",
        "FilterPolicy",
        "FilterPolicyScope",
        "DeliveryPolicy",
        "RedrivePolicy",
        "Region",
        "ReplayPolicy",
        "SubscriptionRoleArn",
    }
)


def provision_topic(
    context: ProvisionContext, logical_id: str, properties: dict[str, Any]
) -> LocalResource:
    """Create (or find) one topic, with its inline subscriptions; its ARN is its ``!Ref``."""
    client = context.clients("sns")
    context.report.unknown_properties(logical_id, properties, _TOPIC_PROPERTIES)
    arn = context.physical_ids.get(logical_id)
    if not arn:
        name = properties.get("TopicName") or context.naming.name(logical_id, 256)
        if _true(properties.get("FifoTopic")) and not name.endswith(".fifo"):
            name = f"{name[:251]}.fifo"
        attributes = {
            key: cfn_string(properties[key]) for key in _TOPIC_ATTRIBUTES if key in properties
        }
        arn = client.create_topic(Name=name, Attributes=attributes)["TopicArn"]
        for subscription in properties.get("Subscription") or []:
            _subscribe(context, logical_id, {**subscription, "TopicArn": arn})
    name = arn.rsplit(":", 1)[-1]
    return LocalResource(
        logical_id, TOPIC_TYPE, arn, arn, {"TopicArn": arn, "TopicName": name}, arn
    )


def provision_subscription(
    context: ProvisionContext, logical_id: str, properties: dict[str, Any]
) -> LocalResource:
    """Subscribe an endpoint (an SQS queue) to a topic; the subscription's ARN is its ``!Ref``."""
    context.report.unknown_properties(logical_id, properties, _SUBSCRIPTION_PROPERTIES)
    arn = context.physical_ids.get(logical_id) or _subscribe(context, logical_id, properties)
    topic, endpoint = str(properties.get("TopicArn")), str(properties.get("Endpoint"))
    attributes = {
        "Arn": arn,
        "TopicArn": topic,
        "Endpoint": endpoint,
        "Protocol": str(properties.get("Protocol", "")).lower(),
    }
    detail = f"{topic.rsplit(':', 1)[-1]} → {endpoint}"
    return LocalResource(logical_id, SUBSCRIPTION_TYPE, arn, arn, attributes, detail)


def _subscribe(context: ProvisionContext, logical_id: str, properties: dict[str, Any]) -> str:
    protocol = str(properties.get("Protocol", "")).lower()
    if protocol != "sqs":
        context.report.unsupported(
            logical_id, f"{protocol} subscriptions are not delivered locally (only sqs)"
        )
    attributes: dict[str, str] = {}
    # moto reads any RawMessageDelivery value as true, "false" included: set it only when on.
    if _true(properties.get("RawMessageDelivery")):
        attributes["RawMessageDelivery"] = "true"
    if "FilterPolicyScope" in properties:
        attributes["FilterPolicyScope"] = str(properties["FilterPolicyScope"])
    policy = properties.get("FilterPolicy")
    if policy is not None:
        attributes["FilterPolicy"] = policy if isinstance(policy, str) else json.dumps(policy)
    for name in ("DeliveryPolicy", "RedrivePolicy", "SubscriptionRoleArn"):
        if name in properties:
            value = properties[name]
            attributes[name] = value if isinstance(value, str) else json.dumps(value)
    response = context.clients("sns").subscribe(
        TopicArn=properties["TopicArn"],
        Protocol=protocol,
        Endpoint=str(properties.get("Endpoint", "")),
        Attributes=attributes,
        ReturnSubscriptionArn=True,
    )
    return str(response["SubscriptionArn"])


def _true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")
