"""Creating the template's resources on an emulator (moto) or any endpoint.

Only what the functions use at run time is created: DynamoDB tables with their keys,
indexes and streams; SQS queues; S3 buckets (with CORS); the SES identities (verified, so
that mail can be sent); Secrets Manager secrets (``GenerateSecretString`` included); SSM
parameters; SNS topics. Properties that only matter to AWS's operations (point-in-time
recovery, encryption, deletion policies, IAM, alarms …) are accepted and have no local
effect; anything else is reported by name.

A resource that exists already is left as it is, so a restart over restored emulator
state keeps the data (and a secret keeps its generated value).
"""

from __future__ import annotations

import json
import re
import secrets
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .report import Report
from .template import Intrinsics, TemplateError, cfn_string

TABLE_TYPE = "AWS::DynamoDB::Table"
QUEUE_TYPE = "AWS::SQS::Queue"
BUCKET_TYPE = "AWS::S3::Bucket"
EMAIL_IDENTITY_TYPE = "AWS::SES::EmailIdentity"
SECRET_TYPE = "AWS::SecretsManager::Secret"  # noqa: S105 - a type name
PARAMETER_TYPE = "AWS::SSM::Parameter"
TOPIC_TYPE = "AWS::SNS::Topic"
FUNCTION_TYPE = "AWS::Serverless::Function"
LAYER_TYPES = frozenset({"AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion"})
API_TYPE = "AWS::Serverless::Api"

# Resource types with no local effect: IAM is not enforced, nothing is monitored or logged
# to CloudWatch, and the functions, layers and APIs are run by the devserver itself.
NO_OP_TYPES = frozenset(
    {
        FUNCTION_TYPE,
        API_TYPE,
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

# Table properties that configure AWS operations, not behaviour a function can observe.
_OPERATIONAL_TABLE_PROPERTIES = frozenset(
    {
        "PointInTimeRecoverySpecification",
        "SSESpecification",
        "Tags",
        "DeletionProtectionEnabled",
        "ContributorInsightsSpecification",
        "TableClass",
        "ProvisionedThroughput",
        "OnDemandThroughput",
        "WarmThroughput",
        "KinesisStreamSpecification",
        "ResourcePolicy",
        "StreamSpecification",
        "TimeToLiveSpecification",
    }
)
_TABLE_API_PROPERTIES = frozenset(
    {
        "TableName",
        "AttributeDefinitions",
        "KeySchema",
        "GlobalSecondaryIndexes",
        "LocalSecondaryIndexes",
        "BillingMode",
    }
)
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
_BUCKET_PROPERTIES = frozenset(
    {
        "BucketName",
        "CorsConfiguration",
        "VersioningConfiguration",
        "BucketEncryption",
        "PublicAccessBlockConfiguration",
        "OwnershipControls",
        "LifecycleConfiguration",
        "Tags",
        "LoggingConfiguration",
        "MetricsConfigurations",
        "IntelligentTieringConfigurations",
        "InventoryConfigurations",
        "AnalyticsConfigurations",
        "AccelerateConfiguration",
        "ObjectLockEnabled",
        "ObjectLockConfiguration",
        "ReplicationConfiguration",
    }
)
_IDENTITY_PROPERTIES = frozenset(
    {
        "EmailIdentity",
        "ConfigurationSetAttributes",
        "DkimAttributes",
        "DkimSigningAttributes",
        "FeedbackAttributes",
        "MailFromAttributes",
    }
)
_SECRET_PROPERTIES = frozenset(
    {
        "Name",
        "Description",
        "SecretString",
        "GenerateSecretString",
        "KmsKeyId",
        "ReplicaRegions",
        "Tags",
    }
)
_PARAMETER_PROPERTIES = frozenset(
    {"Name", "Type", "Value", "Description", "Tier", "AllowedPattern", "DataType", "Tags"}
)
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


def resources_of_type(template: Mapping[str, Any], resource_type: str) -> dict[str, Any]:
    """The template's resources of one type, by logical id."""
    return {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if resource.get("Type") == resource_type
    }


def create_table_request(properties: Mapping[str, Any], table_name: str) -> dict[str, Any]:
    """The ``CreateTable`` request for a table's (resolved) CloudFormation properties."""
    unknown = set(properties) - _TABLE_API_PROPERTIES - _OPERATIONAL_TABLE_PROPERTIES
    if unknown:
        raise TemplateError(f"table {table_name}: unsupported properties {sorted(unknown)}")
    request: dict[str, Any] = {
        "TableName": table_name,
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "KeySchema": properties["KeySchema"],
        "BillingMode": properties.get("BillingMode", "PROVISIONED"),
    }
    if request["BillingMode"] == "PROVISIONED":
        request["ProvisionedThroughput"] = properties.get(
            "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        )
    for index_kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if properties.get(index_kind):
            request[index_kind] = [
                {
                    key: value
                    for key, value in index.items()
                    if key not in ("ContributorInsightsSpecification", "WarmThroughput")
                }
                for index in properties[index_kind]
            ]
    stream = properties.get("StreamSpecification")
    if stream:
        request["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": stream["StreamViewType"],
        }
    return request


def create_tables(
    client: Any,
    template: Mapping[str, Any],
    name_for: Callable[[str], str],
    intrinsics: Intrinsics | None = None,
) -> dict[str, str]:
    """Create every table of the template; return ``{logical id: table name}``.

    ``name_for(logical_id)`` names a table the template leaves unnamed, as CloudFormation
    would. A table that exists already is left as it is.
    """
    resolver = intrinsics or Intrinsics(refs={})
    existing = set(_all_table_names(client))
    names: dict[str, str] = {}
    for logical_id, resource in resources_of_type(template, TABLE_TYPE).items():
        properties = resolver.resolve(resource.get("Properties") or {})
        table_name = properties.get("TableName") or name_for(logical_id)
        names[logical_id] = table_name
        if table_name in existing:
            continue
        _create_table(client, properties, table_name)
    return names


def _create_table(client: Any, properties: Mapping[str, Any], table_name: str) -> None:
    client.create_table(**create_table_request(properties, table_name))
    ttl = properties.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        client.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
        )


def _all_table_names(client: Any) -> list[str]:
    names: list[str] = []
    request: dict[str, Any] = {}
    while True:
        response = client.list_tables(**request)
        names.extend(response.get("TableNames", []))
        if not response.get("LastEvaluatedTableName"):
            return names
        request["ExclusiveStartTableName"] = response["LastEvaluatedTableName"]


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


ClientFactory = Callable[[str], Any]


@dataclass(frozen=True)
class Naming:
    """How the devserver names what the template leaves unnamed (stable across runs)."""

    stack_name: str

    def name(self, logical_id: str, max_length: int = 255) -> str:
        """``{stack}-{LogicalId}``, as CloudFormation would without its random suffix."""
        return f"{self.stack_name}-{logical_id}"[:max_length]

    def bucket(self, logical_id: str) -> str:
        """A valid bucket name: lower case, digits, hyphens, 3 to 63 characters."""
        raw = re.sub(r"[^a-z0-9-]", "-", f"{self.stack_name}-{logical_id}".lower())
        return raw.strip("-")[:63] or "devserver-bucket"


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
        self.clients = clients
        self.base_refs = dict(base_refs)
        self.conditions = dict(conditions)
        self.naming = naming
        self.region = region
        self.account_id = account_id
        self.report = report
        self.create = create
        self.physical_ids = dict(physical_ids or {})
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
        handlers: dict[str, Callable[[str, dict[str, Any]], LocalResource]] = {
            TABLE_TYPE: self._table,
            QUEUE_TYPE: self._queue,
            BUCKET_TYPE: self._bucket,
            EMAIL_IDENTITY_TYPE: self._email_identity,
            SECRET_TYPE: self._secret,
            PARAMETER_TYPE: self._parameter,
            TOPIC_TYPE: self._topic,
        }
        resources = self._active_resources()
        for logical_id in _dependency_order(resources):
            resource = resources[logical_id]
            resource_type = resource.get("Type", "")
            handler = handlers.get(resource_type)
            if handler is not None:
                properties = self.intrinsics().resolve(resource.get("Properties") or {})
                self.result.by_id[logical_id] = handler(logical_id, properties)
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

    def _arn(self, service: str, resource: str, region: bool = True) -> str:
        region_part = self.region if region else ""
        account_part = self.account_id if service not in ("s3",) else ""
        return f"arn:aws:{service}:{region_part}:{account_part}:{resource}"

    # --- one method per resource type -------------------------------------------------

    def _table(self, logical_id: str, properties: dict[str, Any]) -> LocalResource:
        client = self.clients("dynamodb")
        unknown = set(properties) - _TABLE_API_PROPERTIES - _OPERATIONAL_TABLE_PROPERTIES
        for name in sorted(unknown):
            self.report.unsupported(logical_id, f"property {name} is not supported locally")
        known = {k: v for k, v in properties.items() if k not in unknown}
        name = self.physical_ids.get(logical_id) or known.get("TableName")
        name = name or self.naming.name(logical_id)
        try:
            description = client.describe_table(TableName=name)["Table"]
        except client.exceptions.ResourceNotFoundException:
            if not self.create:
                raise TemplateError(f"{logical_id}: table {name} does not exist") from None
            _create_table(client, known, name)
            description = client.describe_table(TableName=name)["Table"]
        self._check_table(logical_id, known, description)
        attributes = {"Arn": description["TableArn"]}
        if description.get("LatestStreamArn"):
            attributes["StreamArn"] = description["LatestStreamArn"]
        stream = f", stream {description['LatestStreamArn']}" if "StreamArn" in attributes else ""
        return LocalResource(logical_id, TABLE_TYPE, name, name, attributes, f"{name}{stream}")

    def _check_table(
        self, logical_id: str, properties: Mapping[str, Any], description: Mapping[str, Any]
    ) -> None:
        """Warn when a table restored from earlier state no longer matches the template."""
        wanted = {index["IndexName"] for index in properties.get("GlobalSecondaryIndexes", [])}
        present = {index["IndexName"] for index in description.get("GlobalSecondaryIndexes", [])}
        if (
            wanted != present
            or properties.get("KeySchema", description["KeySchema"]) != (description["KeySchema"])
        ):
            self.report.unsupported(
                logical_id,
                "the existing table's keys or indexes differ from the template "
                "(start with --reset to recreate it)",
            )
        if "StreamSpecification" in properties and not description.get("LatestStreamArn"):
            self.report.unsupported(logical_id, "the existing table has no stream (use --reset)")

    def _queue(self, logical_id: str, properties: dict[str, Any]) -> LocalResource:
        client = self.clients("sqs")
        self.report.unknown_properties(logical_id, properties, _QUEUE_PROPERTIES)
        physical = self.physical_ids.get(logical_id)
        if physical:
            url = physical
        else:
            name = properties.get("QueueName") or self.naming.name(logical_id, 80)
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
                if not self.create:
                    raise TemplateError(f"{logical_id}: queue {name} does not exist") from None
                url = client.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        name = url.rsplit("/", 1)[-1]
        attributes = {"Arn": arn, "QueueName": name, "QueueUrl": url}
        return LocalResource(logical_id, QUEUE_TYPE, url, url, attributes, url)

    def _bucket(self, logical_id: str, properties: dict[str, Any]) -> LocalResource:
        client = self.clients("s3")
        self.report.unknown_properties(logical_id, properties, _BUCKET_PROPERTIES)
        name = self.physical_ids.get(logical_id) or properties.get("BucketName")
        name = name or self.naming.bucket(logical_id)
        existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
        if name not in existing:
            if not self.create:
                raise TemplateError(f"{logical_id}: bucket {name} does not exist")
            request: dict[str, Any] = {"Bucket": name}
            if self.region != "us-east-1":
                request["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
            client.create_bucket(**request)
            cors = properties.get("CorsConfiguration")
            if cors:
                client.put_bucket_cors(
                    Bucket=name, CORSConfiguration={"CORSRules": _cors_rules(cors)}
                )
            versioning = properties.get("VersioningConfiguration")
            if versioning:
                client.put_bucket_versioning(
                    Bucket=name, VersioningConfiguration={"Status": versioning["Status"]}
                )
        host = f"{name}.s3.amazonaws.com"
        attributes = {
            "Arn": f"arn:aws:s3:::{name}",
            "DomainName": host,
            "RegionalDomainName": f"{name}.s3.{self.region}.amazonaws.com",
            "DualStackDomainName": f"{name}.s3.dualstack.{self.region}.amazonaws.com",
            "WebsiteURL": f"http://{name}.s3-website-{self.region}.amazonaws.com",
        }
        return LocalResource(logical_id, BUCKET_TYPE, name, name, attributes, name)

    def _email_identity(self, logical_id: str, properties: dict[str, Any]) -> LocalResource:
        client = self.clients("ses")
        self.report.unknown_properties(logical_id, properties, _IDENTITY_PROPERTIES)
        identity = properties["EmailIdentity"]
        if self.create:
            if "@" in identity:
                client.verify_email_identity(EmailAddress=identity)
            else:
                client.verify_domain_identity(Domain=identity)
        return LocalResource(
            logical_id, EMAIL_IDENTITY_TYPE, identity, identity, {}, f"{identity} (verified)"
        )

    def _secret(self, logical_id: str, properties: dict[str, Any]) -> LocalResource:
        client = self.clients("secretsmanager")
        self.report.unknown_properties(logical_id, properties, _SECRET_PROPERTIES)
        name = self.physical_ids.get(logical_id) or properties.get("Name")
        name = name or self.naming.name(logical_id, 512)
        try:
            arn = client.describe_secret(SecretId=name)["ARN"]
        except client.exceptions.ResourceNotFoundException:
            if not self.create:
                raise TemplateError(f"{logical_id}: secret {name} does not exist") from None
            if "SecretString" in properties:
                value = properties["SecretString"]
            else:
                value = generate_secret_string(properties.get("GenerateSecretString") or {})
            arn = client.create_secret(Name=name, SecretString=value)["ARN"]
        return LocalResource(logical_id, SECRET_TYPE, arn, arn, {"Id": arn}, name)

    def _parameter(self, logical_id: str, properties: dict[str, Any]) -> LocalResource:
        client = self.clients("ssm")
        self.report.unknown_properties(logical_id, properties, _PARAMETER_PROPERTIES)
        name = self.physical_ids.get(logical_id) or properties.get("Name")
        name = name or f"CFN-{logical_id}"
        try:
            parameter = client.get_parameter(Name=name)["Parameter"]
        except client.exceptions.ParameterNotFound:
            if not self.create:
                raise TemplateError(f"{logical_id}: parameter {name} does not exist") from None
            client.put_parameter(
                Name=name, Value=cfn_string(properties["Value"]), Type=properties["Type"]
            )
            parameter = client.get_parameter(Name=name)["Parameter"]
        attributes = {"Type": parameter["Type"], "Value": parameter["Value"]}
        return LocalResource(logical_id, PARAMETER_TYPE, name, name, attributes, name)

    def _topic(self, logical_id: str, properties: dict[str, Any]) -> LocalResource:
        client = self.clients("sns")
        self.report.unknown_properties(logical_id, properties, _TOPIC_PROPERTIES | {"Subscription"})
        if properties.get("Subscription"):
            self.report.unsupported(logical_id, "topic subscriptions are not delivered locally")
        arn = self.physical_ids.get(logical_id)
        if not arn:
            name = properties.get("TopicName") or self.naming.name(logical_id, 256)
            if properties.get("FifoTopic") and not name.endswith(".fifo"):
                name = f"{name}.fifo"
            attributes = {"FifoTopic": "true"} if properties.get("FifoTopic") else {}
            arn = client.create_topic(Name=name, Attributes=attributes)["TopicArn"]
        name = arn.rsplit(":", 1)[-1]
        return LocalResource(
            logical_id, TOPIC_TYPE, arn, arn, {"TopicArn": arn, "TopicName": name}, arn
        )

    def _no_op(self, logical_id: str, resource: Mapping[str, Any]) -> LocalResource:
        """What ``!Ref``/``!GetAtt`` give for resources the devserver does not create."""
        resource_type = resource["Type"]
        properties = resource.get("Properties") or {}
        if resource_type == FUNCTION_TYPE:
            name = properties.get("FunctionName")
            name = name if isinstance(name, str) else logical_id
            arn = self._arn("lambda", f"function:{name}")
            return LocalResource(logical_id, resource_type, name, name, {"Arn": arn})
        if resource_type in LAYER_TYPES:
            arn = self._arn("lambda", f"layer:{self.naming.name(logical_id)}:1")
            return LocalResource(logical_id, resource_type, arn, arn)
        if resource_type == API_TYPE:
            api_id = _local_id(logical_id)
            return LocalResource(logical_id, resource_type, api_id, api_id, {"RootResourceId": ""})
        if resource_type == "AWS::IAM::Role":
            name = self.naming.name(logical_id, 64)
            arn = f"arn:aws:iam::{self.account_id}:role/{name}"
            return LocalResource(logical_id, resource_type, name, name, {"Arn": arn})
        return LocalResource(logical_id, resource_type, logical_id, logical_id)


def _local_id(logical_id: str) -> str:
    """A stable 10-character id (what API Gateway ids look like)."""
    import zlib

    return f"{zlib.crc32(logical_id.encode()):010x}"[:10]


def _cors_rules(cors: Mapping[str, Any]) -> list[dict[str, Any]]:
    renames = {
        "AllowedHeaders": "AllowedHeaders",
        "AllowedMethods": "AllowedMethods",
        "AllowedOrigins": "AllowedOrigins",
        "ExposedHeaders": "ExposeHeaders",
        "MaxAge": "MaxAgeSeconds",
        "Id": "ID",
    }
    return [
        {renames[key]: value for key, value in rule.items() if key in renames}
        for rule in cors.get("CorsRules", [])
    ]


def generate_secret_string(spec: Mapping[str, Any]) -> str:
    """A value as Secrets Manager's ``GenerateSecretString`` would make it."""
    length = int(spec.get("PasswordLength", 32))
    excluded = set(str(spec.get("ExcludeCharacters", "")))
    groups = []
    if not spec.get("ExcludeLowercase"):
        groups.append(string.ascii_lowercase)
    if not spec.get("ExcludeUppercase"):
        groups.append(string.ascii_uppercase)
    if not spec.get("ExcludeNumbers"):
        groups.append(string.digits)
    if not spec.get("ExcludePunctuation"):
        groups.append("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
    if spec.get("IncludeSpace"):
        groups.append(" ")
    groups = ["".join(c for c in group if c not in excluded) for group in groups]
    groups = [group for group in groups if group]
    if not groups:
        raise TemplateError("GenerateSecretString excludes every character")
    alphabet = "".join(groups)
    chars = [secrets.choice(alphabet) for _ in range(length)]
    if spec.get("RequireEachIncludedType", True) and length >= len(groups):
        for position, group in zip(
            secrets.SystemRandom().sample(range(length), len(groups)), groups, strict=True
        ):
            chars[position] = secrets.choice(group)
    value = "".join(chars)
    template = spec.get("SecretStringTemplate")
    if template is not None:
        document = json.loads(template)
        document[spec["GenerateStringKey"]] = value
        return json.dumps(document)
    return value


def _references(value: Any) -> Iterable[str]:
    """Logical ids (or parameters) a property value refers to."""
    if isinstance(value, list):
        for item in value:
            yield from _references(item)
    elif isinstance(value, dict):
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref" and isinstance(argument, str):
                yield argument
                return
            if key == "Fn::GetAtt":
                yield argument[0] if isinstance(argument, list) else str(argument).split(".")[0]
                return
            if key == "Fn::Sub":
                text = argument[0] if isinstance(argument, list) else argument
                for name in re.findall(r"\$\{([^}!][^}]*)\}", str(text)):
                    yield name.split(".")[0]
        for item in value.values():
            yield from _references(item)


def _dependency_order(resources: Mapping[str, Any]) -> list[str]:
    """Logical ids so that every resource comes after those its properties refer to."""
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(logical_id: str, path: tuple[str, ...]) -> None:
        if state.get(logical_id) == "done":
            return
        if state.get(logical_id) == "visiting":
            raise TemplateError(f"circular references: {' -> '.join((*path, logical_id))}")
        state[logical_id] = "visiting"
        resource = resources[logical_id]
        for name in _references(
            [resource.get("Properties") or {}, resource.get("DependsOn") or []]
        ):
            if name in resources and name != logical_id:
                visit(name, (*path, logical_id))
        depends = resource.get("DependsOn") or []
        for name in [depends] if isinstance(depends, str) else depends:
            if name in resources:
                visit(name, (*path, logical_id))
        state[logical_id] = "done"
        order.append(logical_id)

    for logical_id in resources:
        visit(logical_id, ())
    return order
