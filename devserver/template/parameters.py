"""The template's parameters and pseudo parameters, as CloudFormation passes them on."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .loading import TemplateError


def parameter_defaults(template: Mapping[str, Any]) -> dict[str, str]:
    """Each parameter's default, as the string CloudFormation would pass."""
    return {
        name: cfn_string(spec["Default"])
        for name, spec in (template.get("Parameters") or {}).items()
        if "Default" in spec
    }


def cfn_string(value: Any) -> str:
    """A scalar as CloudFormation passes it on: ``true``/``false`` for booleans."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(cfn_string(item) for item in value)
    return str(value)


def parameter_values(
    template: Mapping[str, Any], overrides: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Every parameter's value: the overrides over the defaults.

    Raises ``TemplateError`` naming an override the template does not declare, a parameter
    left without a value, or a value outside ``AllowedValues``/``AllowedPattern``.
    """
    declared = template.get("Parameters") or {}
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise TemplateError(f"parameter overrides {unknown}: not parameters of the template")
    values = parameter_defaults(template)
    values.update({name: cfn_string(value) for name, value in overrides.items()})
    for name, spec in declared.items():
        if name not in values:
            raise TemplateError(f"parameter {name} has no default: pass it as an override")
        value = values[name]
        allowed = spec.get("AllowedValues")
        if allowed is not None and value not in [cfn_string(item) for item in allowed]:
            raise TemplateError(f"parameter {name}={value!r}: not one of {allowed}")
        pattern = spec.get("AllowedPattern")
        if pattern is not None and not re.fullmatch(pattern, value):
            raise TemplateError(f"parameter {name}={value!r}: does not match {pattern}")
    return values


def pseudo_parameters(region: str, account_id: str, stack_name: str) -> dict[str, str]:
    """``AWS::Region`` and the other pseudo parameters, for a local stack."""
    return {
        "AWS::Region": region,
        "AWS::AccountId": account_id,
        "AWS::StackName": stack_name,
        "AWS::StackId": (
            f"arn:aws:cloudformation:{region}:{account_id}:stack/{stack_name}/"
            "00000000-0000-0000-0000-000000000000"
        ),
        "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com",
        "AWS::NotificationARNs": "",
    }
