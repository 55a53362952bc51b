"""DynamoDB tables: keys, indexes, streams and time to live, as the template declares them.

``create_tables`` is also what the tests and benchmarks use to build the template's tables
on moto. A table that exists already (restored emulator state) is left as it is, with a
warning when its keys or indexes no longer match the template.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ...template import Intrinsics, TemplateError
from ...template.resource_types import TABLE_TYPE
from .context import ProvisionContext
from .inventory import LocalResource

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
    for logical_id, resource in template["Resources"].items():
        if resource.get("Type") != TABLE_TYPE:
            continue
        properties = resolver.resolve(resource.get("Properties") or {})
        table_name = properties.get("TableName") or name_for(logical_id)
        names[logical_id] = table_name
        if table_name in existing:
            continue
        _create_table(client, properties, table_name)
    return names


def provision_table(
    context: ProvisionContext, logical_id: str, properties: dict[str, Any]
) -> LocalResource:
    """Create (or find) one table; its ARN and stream ARN are its attributes."""
    client = context.clients("dynamodb")
    unknown = set(properties) - _TABLE_API_PROPERTIES - _OPERATIONAL_TABLE_PROPERTIES
    for name in sorted(unknown):
        context.report.unsupported(logical_id, f"property {name} is not supported locally")
    known = {k: v for k, v in properties.items() if k not in unknown}
    name = context.physical_ids.get(logical_id) or known.get("TableName")
    name = name or context.naming.name(logical_id)
    try:
        description = client.describe_table(TableName=name)["Table"]
    except client.exceptions.ResourceNotFoundException:
        if not context.create:
            raise context.missing(logical_id, f"table {name}") from None
        _create_table(client, known, name)
        description = client.describe_table(TableName=name)["Table"]
    _check_table(context, logical_id, known, description)
    attributes = {"Arn": description["TableArn"]}
    if description.get("LatestStreamArn"):
        attributes["StreamArn"] = description["LatestStreamArn"]
    stream = f", stream {description['LatestStreamArn']}" if "StreamArn" in attributes else ""
    return LocalResource(logical_id, TABLE_TYPE, name, name, attributes, f"{name}{stream}")


def _create_table(client: Any, properties: Mapping[str, Any], table_name: str) -> None:
    client.create_table(**create_table_request(properties, table_name))
    ttl = properties.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        client.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
        )


def _check_table(
    context: ProvisionContext,
    logical_id: str,
    properties: Mapping[str, Any],
    description: Mapping[str, Any],
) -> None:
    """Warn when a table restored from earlier state no longer matches the template."""
    wanted = {index["IndexName"] for index in properties.get("GlobalSecondaryIndexes", [])}
    present = {index["IndexName"] for index in description.get("GlobalSecondaryIndexes", [])}
    if (
        wanted != present
        or properties.get("KeySchema", description["KeySchema"]) != (description["KeySchema"])
    ):
        context.report.unsupported(
            logical_id,
            "the existing table's keys or indexes differ from the template "
            "(start with --reset to recreate it)",
        )
    if "StreamSpecification" in properties and not description.get("LatestStreamArn"):
        context.report.unsupported(logical_id, "the existing table has no stream (use --reset)")


def _all_table_names(client: Any) -> list[str]:
    names: list[str] = []
    request: dict[str, Any] = {}
    while True:
        response = client.list_tables(**request)
        names.extend(response.get("TableNames", []))
        if not response.get("LastEvaluatedTableName"):
            return names
        request["ExclusiveStartTableName"] = response["LastEvaluatedTableName"]
