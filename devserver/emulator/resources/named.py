"""The template's resources named, not created: what ``!Ref`` and ``!GetAtt`` give for them.

For loading functions without an emulator (``devserver.load_functions``): the resources
exist elsewhere — made by the caller (tests create the tables on an in-process moto) or
not needed at all — so each is only named, the way ``Provisioner`` would name it
(``Naming``; the template's own ``TableName``, ``QueueName`` … first), or as the caller
says (``physical_ids``: a name, or a queue's URL, or a topic's or secret's ARN). ARNs and
URLs are built the way AWS (and moto) build them, in the given region and account. A
stream's ARN carries a placeholder label (the real one is known once the table exists);
nothing reads the stream when functions are loaded this way.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from ...template import Intrinsics, TemplateError, cfn_string
from ...template.resource_types import (
    BUCKET_TYPE,
    EMAIL_IDENTITY_TYPE,
    PARAMETER_TYPE,
    QUEUE_TYPE,
    SECRET_TYPE,
    SUBSCRIPTION_TYPE,
    TABLE_TYPE,
    TOPIC_TYPE,
)
from .buckets import bucket_attributes
from .dependencies import dependency_order
from .inventory import LocalResource, LocalResources, Naming
from .provisioner import no_op_resource

#: the label of a stream named before its table exists
PLACEHOLDER_STREAM_LABEL = "1970-01-01T00:00:00.000"


class ResourceNamer:
    """Names every active resource of a template, in dependency order (no AWS call)."""

    def __init__(
        self,
        template: Mapping[str, Any],
        *,
        base_refs: Mapping[str, Any],
        conditions: Mapping[str, bool],
        naming: Naming,
        region: str,
        account_id: str,
        physical_ids: Mapping[str, str] | None = None,
    ) -> None:
        self.template = template
        self.base_refs = dict(base_refs)
        self.conditions = dict(conditions)
        self.naming = naming
        self.region = region
        self.account_id = account_id
        self.physical_ids = dict(physical_ids or {})
        self.result = LocalResources(region=region, account_id=account_id)

    def intrinsics(self) -> Intrinsics:
        """An intrinsic resolver knowing every resource named so far."""
        return Intrinsics(
            refs={**self.base_refs, **self.result.refs()},
            attributes=self.result.attributes(),
            conditions=self.conditions,
            mappings=self.template.get("Mappings"),
        )

    def name_all(self) -> LocalResources:
        """Every resource whose ``Condition`` holds, named; unknown ids refused."""
        resources = {
            logical_id: resource
            for logical_id, resource in self.template["Resources"].items()
            if resource.get("Condition") is None
            or self.conditions.get(resource["Condition"], False)
        }
        unknown = sorted(set(self.physical_ids) - set(resources))
        if unknown:
            raise TemplateError(f"physical ids for {unknown}: no such active resource")
        for logical_id in dependency_order(resources):
            self.result.by_id[logical_id] = self._name(logical_id, resources[logical_id])
        return self.result

    def _name(self, logical_id: str, resource: Mapping[str, Any]) -> LocalResource:
        kind = resource.get("Type", "")
        if kind not in _NAMED_TYPES:
            return no_op_resource(
                logical_id,
                resource,
                naming=self.naming,
                region=self.region,
                account_id=self.account_id,
            )
        properties = self.intrinsics().resolve(resource.get("Properties") or {})
        given = self.physical_ids.get(logical_id)
        region, account = self.region, self.account_id
        if kind == TABLE_TYPE:
            name = given or properties.get("TableName") or self.naming.name(logical_id)
            arn = f"arn:aws:dynamodb:{region}:{account}:table/{name}"
            attributes = {"Arn": arn}
            if properties.get("StreamSpecification"):
                attributes["StreamArn"] = f"{arn}/stream/{PLACEHOLDER_STREAM_LABEL}"
            return LocalResource(logical_id, kind, name, name, attributes, name)
        if kind == QUEUE_TYPE:
            if given and "://" in given:
                url, name = given, given.rsplit("/", 1)[-1]
            else:
                name = given or properties.get("QueueName") or self.naming.name(logical_id, 80)
                if _true(properties.get("FifoQueue")) and not name.endswith(".fifo"):
                    name = f"{name[:75]}.fifo"
                url = f"https://sqs.{region}.amazonaws.com/{account}/{name}"
            arn = f"arn:aws:sqs:{region}:{account}:{name}"
            attributes = {"Arn": arn, "QueueName": name, "QueueUrl": url}
            return LocalResource(logical_id, kind, url, url, attributes, url)
        if kind == TOPIC_TYPE:
            arn = given if given and given.startswith("arn:") else ""
            if not arn:
                name = given or properties.get("TopicName") or self.naming.name(logical_id, 256)
                if _true(properties.get("FifoTopic")) and not name.endswith(".fifo"):
                    name = f"{name[:251]}.fifo"
                arn = f"arn:aws:sns:{region}:{account}:{name}"
            attributes = {"TopicArn": arn, "TopicName": arn.rsplit(":", 1)[-1]}
            return LocalResource(logical_id, kind, arn, arn, attributes, arn)
        if kind == SUBSCRIPTION_TYPE:
            topic = str(properties.get("TopicArn"))
            arn = given or f"{topic}:{uuid.uuid5(uuid.NAMESPACE_URL, logical_id)}"
            attributes = {
                "Arn": arn,
                "TopicArn": topic,
                "Endpoint": str(properties.get("Endpoint")),
                "Protocol": str(properties.get("Protocol", "")).lower(),
            }
            return LocalResource(logical_id, kind, arn, arn, attributes, arn)
        if kind == BUCKET_TYPE:
            name = given or properties.get("BucketName") or self.naming.bucket(logical_id)
            attributes = bucket_attributes(name, region)
            return LocalResource(logical_id, kind, name, name, attributes, name)
        if kind == EMAIL_IDENTITY_TYPE:
            identity = given or str(properties["EmailIdentity"])
            return LocalResource(logical_id, kind, identity, identity, {}, identity)
        if kind == SECRET_TYPE:
            arn = given if given and given.startswith("arn:") else ""
            if not arn:
                name = given or properties.get("Name") or self.naming.name(logical_id, 512)
                arn = f"arn:aws:secretsmanager:{region}:{account}:secret:{name}"
            return LocalResource(logical_id, kind, arn, arn, {"Id": arn}, arn)
        # an SSM parameter
        name = given or properties.get("Name") or f"CFN-{logical_id}"
        attributes = {
            "Type": str(properties.get("Type", "String")),
            "Value": cfn_string(properties.get("Value", "")),
        }
        return LocalResource(logical_id, kind, name, name, attributes, name)


_NAMED_TYPES = frozenset(
    {
        TABLE_TYPE,
        QUEUE_TYPE,
        TOPIC_TYPE,
        SUBSCRIPTION_TYPE,
        BUCKET_TYPE,
        EMAIL_IDENTITY_TYPE,
        SECRET_TYPE,
        PARAMETER_TYPE,
    }
)


def _true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")
