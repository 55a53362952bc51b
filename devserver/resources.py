"""Creating the template's resources on an emulator (moto) or any endpoint.

Only what the functions use at run time is created: DynamoDB tables with their keys,
indexes and streams. Properties that only matter to AWS's operations (point-in-time
recovery, encryption, deletion policies) are accepted and have no local effect.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .template import Intrinsics, TemplateError

TABLE_TYPE = "AWS::DynamoDB::Table"

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
                    if key != "ContributorInsightsSpecification"
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
        client.create_table(**create_table_request(properties, table_name))
        ttl = properties.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            client.update_time_to_live(
                TableName=table_name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
            )
    return names


def _all_table_names(client: Any) -> list[str]:
    names: list[str] = []
    request: dict[str, Any] = {}
    while True:
        response = client.list_tables(**request)
        names.extend(response.get("TableNames", []))
        if not response.get("LastEvaluatedTableName"):
            return names
        request["ExclusiveStartTableName"] = response["LastEvaluatedTableName"]
