"""template.yaml as the plain CloudFormation that AWS deploys (the SAM transform, offline).

checkov reads a SAM template as it is written: it never sees the IAM roles and inline
policies that the transform makes out of each function's ``Policies``, so its IAM checks
would pass vacuously. This runs the SAM translator (the one in the SAM CLI's environment,
``.tools/sam``) and writes the result as JSON for checkov. ``Metadata`` (and so checkov's
skips) passes through to the resources the transform makes from a resource.

    .tools/sam/bin/python security/sam_to_cloudformation.py template.yaml out.json [Name=Value ...]

``Name=Value`` sets a parameter's default: checkov evaluates the template's conditions with
the defaults, so each topology (``ConsumerDelivery=Queues``) is checked in a run of its own.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from samcli.yamlhelper import yaml_parse
from samtranslator.translator.transform import transform


class NoManagedPolicies:
    """The template names no AWS managed policy by name: nothing to look up in IAM."""

    def load(self) -> dict[str, str]:
        raise SystemExit("a function names a managed policy: the transform would ask IAM")


def packaged(template: dict[str, Any]) -> None:
    """Local code folders as S3 URIs, as ``sam package`` leaves them (the transform wants them)."""
    for resource in template.get("Resources", {}).values():
        properties = resource.get("Properties") or {}
        for name in ("CodeUri", "ContentUri"):
            value = properties.get(name)
            if isinstance(value, str) and not value.startswith("s3://"):
                properties[name] = f"s3://packaged/{value.strip('/')}"


def main(argv: list[str]) -> int:
    source, target = Path(argv[1]), Path(argv[2])
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")  # the translator's ARNs need one
    template: dict[str, Any] = yaml_parse(source.read_text())
    packaged(template)
    for assignment in argv[3:]:
        name, _, value = assignment.partition("=")
        if name not in template.get("Parameters", {}):
            raise SystemExit(f"template.yaml has no parameter {name}")
        template["Parameters"][name]["Default"] = value
    parameters = {
        "AWS::Region": "us-east-1",
        "AWS::AccountId": "123456789012",
        "AWS::Partition": "aws",
        "AWS::StackName": "video-tutorials",
    }
    transformed = transform(template, parameters, NoManagedPolicies(), passthrough_metadata=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(transformed, indent=1, default=str))
    print(f"wrote {target} ({len(transformed.get('Resources', {}))} resources)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
