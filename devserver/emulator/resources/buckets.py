"""S3 buckets, with their CORS rules and versioning."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...template.resource_types import BUCKET_TYPE
from .context import ProvisionContext
from .inventory import LocalResource

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


def provision_bucket(
    context: ProvisionContext, logical_id: str, properties: dict[str, Any]
) -> LocalResource:
    """Create (or find) one bucket; its ARN and domain names are its attributes."""
    client = context.clients("s3")
    context.report.unknown_properties(logical_id, properties, _BUCKET_PROPERTIES)
    name = context.physical_ids.get(logical_id) or properties.get("BucketName")
    name = name or context.naming.bucket(logical_id)
    existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
    if name not in existing:
        if not context.create:
            raise context.missing(logical_id, f"bucket {name}")
        request: dict[str, Any] = {"Bucket": name}
        if context.region != "us-east-1":
            request["CreateBucketConfiguration"] = {"LocationConstraint": context.region}
        client.create_bucket(**request)
        cors = properties.get("CorsConfiguration")
        if cors:
            client.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": _cors_rules(cors)})
        versioning = properties.get("VersioningConfiguration")
        if versioning:
            client.put_bucket_versioning(
                Bucket=name, VersioningConfiguration={"Status": versioning["Status"]}
            )
    return LocalResource(
        logical_id, BUCKET_TYPE, name, name, bucket_attributes(name, context.region), name
    )


def bucket_attributes(name: str, region: str) -> dict[str, str]:
    """What ``!GetAtt`` gives for a bucket of this name."""
    return {
        "Arn": f"arn:aws:s3:::{name}",
        "DomainName": f"{name}.s3.amazonaws.com",
        "RegionalDomainName": f"{name}.s3.{region}.amazonaws.com",
        "DualStackDomainName": f"{name}.s3.dualstack.{region}.amazonaws.com",
        "WebsiteURL": f"http://{name}.s3-website-{region}.amazonaws.com",
    }


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
