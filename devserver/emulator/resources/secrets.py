"""Secrets Manager secrets and SSM parameters, with generated values where the template asks.

A secret that exists already keeps its value (a restart over restored state must not
change the session key); ``GenerateSecretString`` makes a new value as Secrets Manager
would.
"""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Mapping
from typing import Any

from ...template import TemplateError, cfn_string
from ...template.resource_types import PARAMETER_TYPE, SECRET_TYPE
from .context import ProvisionContext
from .inventory import LocalResource

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


def provision_secret(
    context: ProvisionContext, logical_id: str, properties: dict[str, Any]
) -> LocalResource:
    """Create (or find) one secret; its ARN is what ``!Ref`` gives."""
    client = context.clients("secretsmanager")
    context.report.unknown_properties(logical_id, properties, _SECRET_PROPERTIES)
    name = context.physical_ids.get(logical_id) or properties.get("Name")
    name = name or context.naming.name(logical_id, 512)
    try:
        arn = client.describe_secret(SecretId=name)["ARN"]
    except client.exceptions.ResourceNotFoundException:
        if not context.create:
            raise context.missing(logical_id, f"secret {name}") from None
        if "SecretString" in properties:
            value = properties["SecretString"]
        else:
            value = generate_secret_string(properties.get("GenerateSecretString") or {})
        arn = client.create_secret(Name=name, SecretString=value)["ARN"]
    return LocalResource(logical_id, SECRET_TYPE, arn, arn, {"Id": arn}, name)


def provision_parameter(
    context: ProvisionContext, logical_id: str, properties: dict[str, Any]
) -> LocalResource:
    """Create (or find) one SSM parameter; its type and value are its attributes."""
    client = context.clients("ssm")
    context.report.unknown_properties(logical_id, properties, _PARAMETER_PROPERTIES)
    name = context.physical_ids.get(logical_id) or properties.get("Name")
    name = name or f"CFN-{logical_id}"
    try:
        parameter = client.get_parameter(Name=name)["Parameter"]
    except client.exceptions.ParameterNotFound:
        if not context.create:
            raise context.missing(logical_id, f"parameter {name}") from None
        client.put_parameter(
            Name=name, Value=cfn_string(properties["Value"]), Type=properties["Type"]
        )
        parameter = client.get_parameter(Name=name)["Parameter"]
    attributes = {"Type": parameter["Type"], "Value": parameter["Value"]}
    return LocalResource(logical_id, PARAMETER_TYPE, name, name, attributes, name)


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
