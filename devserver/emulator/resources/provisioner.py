"""Creating the template's resources on the emulator (moto) or any endpoint.

Only what the functions use at run time is created: DynamoDB tables with their keys,
indexes and streams; SQS queues; S3 buckets (with CORS); the SES identities (verified, so
that mail can be sent); Secrets Manager secrets (``GenerateSecretString`` included); SSM
parameters; SNS topics and their SQS subscriptions. Properties that only matter to AWS's
operations (point-in-time recovery, encryption, deletion policies, IAM, alarms …) are
accepted and have no local effect; anything else is reported by name. Resources whose
``Condition`` is false are not made, as CloudFormation does not make them.

A resource that exists already is left as it is, so a restart over restored emulator
state keeps the data (and a secret keeps its generated value).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from typing import Any

from ...report import Report
from ...template import Intrinsics
from ...template.event_sources import mapping_uuid
from ...template.resource_types import (
    API_TYPE,
    BUCKET_TYPE,
    EMAIL_IDENTITY_TYPE,
    EVENT_SOURCE_MAPPING_TYPE,
    FUNCTION_TYPE,
    LAYER_TYPES,
    PARAMETER_TYPE,
    QUEUE_TYPE,
    SECRET_TYPE,
    SUBSCRIPTION_TYPE,
    TABLE_TYPE,
    TOPIC_TYPE,
)
from .buckets import provision_bucket
from .context import ClientFactory, ProvisionContext
from .dependencies import dependency_order
from .identities import provision_email_identity
from .inventory import LocalResource, LocalResources, Naming
from .queues import provision_queue
from .secrets import provision_parameter, provision_secret
from .tables import provision_table
from .topics import provision_subscription, provision_topic

# Resource types with no local effect: IAM is not enforced, nothing is monitored or logged
# to CloudWatch, and the functions, layers, APIs and event source mappings are run by the
# devserver itself.
NO_OP_TYPES = frozenset(
    {
        FUNCTION_TYPE,
        API_TYPE,
        EVENT_SOURCE_MAPPING_TYPE,
        *LAYER_TYPES,
        "AWS::IAM::Role",
        "AWS::IAM::Policy",
        "AWS::IAM::ManagedPolicy",
        "AWS::Logs::LogGroup",
        "AWS::Logs::MetricFilter",
        "AWS::Logs::SubscriptionFilter",
        "AWS::CloudWatch::Alarm",
        "AWS::CloudWatch::CompositeAlarm",
        "AWS::CloudWatch::Dashboard",
        "AWS::Lambda::Permission",
        "AWS::Lambda::EventInvokeConfig",
        "AWS::SQS::QueuePolicy",
        "AWS::SNS::TopicPolicy",
        "AWS::S3::BucketPolicy",
        "AWS::SES::ConfigurationSet",
        "AWS::KMS::Key",
        "AWS::KMS::Alias",
        "AWS::ApplicationInsights::Application",
        "AWS::ResourceGroups::Group",
        "AWS::XRay::Group",
        "AWS::XRay::SamplingRule",
        "AWS::SecretsManager::RotationSchedule",
        "AWS::SecretsManager::ResourcePolicy",
    }
)

Provision = Callable[[ProvisionContext, str, dict[str, Any]], LocalResource]
_PROVISIONERS: dict[str, Provision] = {
    TABLE_TYPE: provision_table,
    QUEUE_TYPE: provision_queue,
    BUCKET_TYPE: provision_bucket,
    EMAIL_IDENTITY_TYPE: provision_email_identity,
    SECRET_TYPE: provision_secret,
    PARAMETER_TYPE: provision_parameter,
    TOPIC_TYPE: provision_topic,
    SUBSCRIPTION_TYPE: provision_subscription,
}


class Provisioner:
    """Creates (or finds) each resource of the template on one endpoint, in dependency order.

    ``physical_ids`` maps logical ids to the physical ids of an existing stack (found with
    CloudFormation on LocalStack or AWS); without it, resources are named by ``naming``
    and created when missing (``create=True``).
    """

    def __init__(
        self,
        template: Mapping[str, Any],
        clients: ClientFactory,
        *,
        base_refs: Mapping[str, Any],
        conditions: Mapping[str, bool],
        naming: Naming,
        region: str,
        account_id: str,
        report: Report,
        create: bool = True,
        physical_ids: Mapping[str, str] | None = None,
    ) -> None:
        self.template = template
        self.base_refs = dict(base_refs)
        self.conditions = dict(conditions)
        self.context = ProvisionContext(
            clients=clients,
            naming=naming,
            region=region,
            account_id=account_id,
            report=report,
            create=create,
            physical_ids=dict(physical_ids or {}),
        )
        self.report = report
        self.result = LocalResources(region=region, account_id=account_id)

    def intrinsics(self) -> Intrinsics:
        """An intrinsic resolver knowing every resource provisioned so far."""
        return Intrinsics(
            refs={**self.base_refs, **self.result.refs()},
            attributes=self.result.attributes(),
            conditions=self.conditions,
            mappings=self.template.get("Mappings"),
        )

    def provision(self) -> LocalResources:
        """Create or find every resource the functions can use; report the rest."""
        resources = self._active_resources()
        for logical_id in dependency_order(resources):
            resource = resources[logical_id]
            resource_type = resource.get("Type", "")
            provision = _PROVISIONERS.get(resource_type)
            if provision is not None:
                properties = self.intrinsics().resolve(resource.get("Properties") or {})
                self.result.by_id[logical_id] = provision(self.context, logical_id, properties)
            elif resource_type in NO_OP_TYPES:
                self.result.by_id[logical_id] = self._no_op(logical_id, resource)
            else:
                self.report.unsupported(
                    logical_id, f"resource type {resource_type} is not created locally"
                )
        return self.result

    def _active_resources(self) -> dict[str, Any]:
        active = {}
        for logical_id, resource in self.template["Resources"].items():
            condition = resource.get("Condition")
            if condition is not None and not self.conditions.get(condition, False):
                continue
            active[logical_id] = resource
        return active

    def _no_op(self, logical_id: str, resource: Mapping[str, Any]) -> LocalResource:
        context = self.context
        return no_op_resource(
            logical_id,
            resource,
            naming=context.naming,
            region=context.region,
            account_id=context.account_id,
        )


def no_op_resource(
    logical_id: str,
    resource: Mapping[str, Any],
    *,
    naming: Naming,
    region: str,
    account_id: str,
) -> LocalResource:
    """What ``!Ref``/``!GetAtt`` give for a resource the devserver does not create."""
    resource_type = resource["Type"]
    properties = resource.get("Properties") or {}
    if resource_type == FUNCTION_TYPE:
        name = properties.get("FunctionName")
        name = name if isinstance(name, str) else logical_id
        arn = f"arn:aws:lambda:{region}:{account_id}:function:{name}"
        return LocalResource(logical_id, resource_type, name, name, {"Arn": arn})
    if resource_type in LAYER_TYPES:
        layer = naming.name(logical_id)
        arn = f"arn:aws:lambda:{region}:{account_id}:layer:{layer}:1"
        return LocalResource(logical_id, resource_type, arn, arn)
    if resource_type == API_TYPE:
        api_id = _local_id(logical_id)
        return LocalResource(logical_id, resource_type, api_id, api_id, {"RootResourceId": ""})
    if resource_type == EVENT_SOURCE_MAPPING_TYPE:
        mapping_id = mapping_uuid(logical_id)
        arn = f"arn:aws:lambda:{region}:{account_id}:event-source-mapping:{mapping_id}"
        return LocalResource(
            logical_id, resource_type, mapping_id, mapping_id, {"EventSourceMappingArn": arn}
        )
    if resource_type == "AWS::IAM::Role":
        name = naming.name(logical_id, 64)
        arn = f"arn:aws:iam::{account_id}:role/{name}"
        return LocalResource(logical_id, resource_type, name, name, {"Arn": arn})
    return LocalResource(logical_id, resource_type, logical_id, logical_id)


def _local_id(logical_id: str) -> str:
    """A stable 10-character id (what API Gateway ids look like)."""
    return f"{zlib.crc32(logical_id.encode()):010x}"[:10]
