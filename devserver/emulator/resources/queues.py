"""SQS queues: their attributes, redrive policies, and FIFO settings."""

from __future__ import annotations

import json
from typing import Any

from ...template import cfn_string
from ...template.resource_types import QUEUE_TYPE
from .context import ProvisionContext
from .inventory import LocalResource

_QUEUE_ATTRIBUTES = {
    "DelaySeconds": "DelaySeconds",
    "MaximumMessageSize": "MaximumMessageSize",
    "MessageRetentionPeriod": "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds": "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout": "VisibilityTimeout",
    "FifoQueue": "FifoQueue",
    "ContentBasedDeduplication": "ContentBasedDeduplication",
    "DeduplicationScope": "DeduplicationScope",
    "FifoThroughputLimit": "FifoThroughputLimit",
}
_QUEUE_PROPERTIES = frozenset(
    {
        *_QUEUE_ATTRIBUTES,
        "QueueName",
        "RedrivePolicy",
        "RedriveAllowPolicy",
        "KmsMasterKeyId",
        "KmsDataKeyReusePeriodSeconds",
        "SqsManagedSseEnabled",
        "Tags",
    }
)


def provision_queue(
    context: ProvisionContext, logical_id: str, properties: dict[str, Any]
) -> LocalResource:
    """Create (or find) one queue; its ARN, name and URL are its attributes."""
    client = context.clients("sqs")
    context.report.unknown_properties(logical_id, properties, _QUEUE_PROPERTIES)
    physical = context.physical_ids.get(logical_id)
    if physical:
        url = physical
    else:
        name = properties.get("QueueName") or context.naming.name(logical_id, 80)
        if properties.get("FifoQueue") and not name.endswith(".fifo"):
            name = f"{name[:75]}.fifo"
        attributes = {
            api: cfn_string(properties[prop])
            for prop, api in _QUEUE_ATTRIBUTES.items()
            if prop in properties
        }
        for policy in ("RedrivePolicy", "RedriveAllowPolicy"):
            if policy in properties:
                value = properties[policy]
                attributes[policy] = value if isinstance(value, str) else json.dumps(value)
        try:
            url = client.get_queue_url(QueueName=name)["QueueUrl"]
        except client.exceptions.QueueDoesNotExist:
            if not context.create:
                raise context.missing(logical_id, f"queue {name}") from None
            url = client.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    name = url.rsplit("/", 1)[-1]
    attributes = {"Arn": arn, "QueueName": name, "QueueUrl": url}
    return LocalResource(logical_id, QUEUE_TYPE, url, url, attributes, url)
