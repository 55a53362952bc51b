"""The ``sam local --env-vars`` file for a system that already runs: the devserver's emulator
or a LocalStack stack.

    python tools/sam_local_env.py                          # the devserver of make run
    python tools/sam_local_env.py --devserver /tmp/state   # another one's state directory
    python tools/sam_local_env.py --localstack-stack video-tutorials
    sam local start-api --env-vars .aws-sam/sam-local.env.json --docker-network host …

``sam local`` resolves ``!Ref`` of a resource to its logical id, and ``--env-vars`` only
replaces variables the template declares (DESIGN.md section 7). So this file gives every
function every variable of its template environment, resolved against the resources that
exist (physical table, queue, bucket and secret names), and ``SDK_ENDPOINT_URL`` (the
template's ``EndpointUrl``) pointing at the emulator or LocalStack. With ``--docker-network
host`` (Linux) the function containers reach it at the same address as this machine;
elsewhere pass ``--endpoint`` as the containers see it (``http://host.docker.internal:…``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devserver.template import (  # noqa: E402
    Intrinsics,
    TemplateError,
    evaluate_conditions,
    load_template,
    parameter_values,
    pseudo_parameters,
)
from devserver.template.sam_globals import with_globals  # noqa: E402

FUNCTION = "AWS::Serverless::Function"
DEFAULT_OUT = ROOT / ".aws-sam" / "sam-local.env.json"
#: the variable the template's ``EndpointUrl`` parameter sets in every function
ENDPOINT_VARIABLE = "SDK_ENDPOINT_URL"


class EnvVarsError(Exception):
    """The environment cannot be written (the reason in the message)."""


def function_environments(
    template: Mapping[str, Any],
    *,
    parameters: Mapping[str, str],
    physical_ids: Mapping[str, str],
    region: str,
    account_id: str,
    stack_name: str,
) -> dict[str, dict[str, str]]:
    """Every active function's environment variables (globals merged), resolved.

    ``physical_ids`` maps logical ids to what ``!Ref`` gives (names, URLs, ARNs).
    ``!GetAtt`` has no value here: a variable that uses one raises ``EnvVarsError``.
    """
    values = parameter_values(template, {k: v for k, v in parameters.items() if v != "****"})
    refs = {**values, **pseudo_parameters(region, account_id, stack_name), **physical_ids}
    conditions = evaluate_conditions(template, refs)
    intrinsics = Intrinsics(refs=refs, conditions=conditions, mappings=template.get("Mappings"))
    globals_ = (template.get("Globals") or {}).get("Function")
    environments: dict[str, dict[str, str]] = {}
    for logical_id, resource in template["Resources"].items():
        if resource.get("Type") != FUNCTION:
            continue
        condition = resource.get("Condition")
        if condition is not None and not conditions.get(condition, False):
            continue
        properties = with_globals(resource.get("Properties") or {}, globals_)
        variables = (properties.get("Environment") or {}).get("Variables") or {}
        try:
            resolved = intrinsics.resolve(variables)
        except TemplateError as exc:
            raise EnvVarsError(f"{logical_id}: {exc}") from exc
        environments[logical_id] = {k: "" if v is None else str(v) for k, v in resolved.items()}
    return environments


def env_vars_document(environments: Mapping[str, Mapping[str, str]], endpoint: str) -> dict:
    """The ``--env-vars`` document: the endpoint for all, each function's variables.

    A function's own section wins over ``Parameters`` in sam local: the endpoint is in both.
    """
    functions = {
        logical_id: {**variables, ENDPOINT_VARIABLE: endpoint}
        for logical_id, variables in environments.items()
    }
    return {"Parameters": {ENDPOINT_VARIABLE: endpoint}, **functions}


def from_devserver(state_dir: Path, endpoint: str | None) -> dict:
    """The document for the devserver running on ``state_dir``."""
    try:
        runtime = json.loads((state_dir / "devserver.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EnvVarsError(f"no running devserver on {state_dir} ({exc}): make run") from exc
    if not runtime.get("endpoint_url"):
        raise EnvVarsError(f"the devserver on {state_dir} runs against AWS: nothing to point at")
    environments = function_environments(
        load_template(ROOT / "template.yaml"),
        parameters=runtime.get("parameters") or {},
        physical_ids=runtime.get("resources") or {},
        region=runtime.get("region") or "us-east-1",
        account_id="123456789012",  # the emulator's (moto's) account
        stack_name="video-tutorials",
    )
    return env_vars_document(environments, endpoint or runtime["endpoint_url"])


def from_localstack(stack_name: str, endpoint: str | None, region: str) -> dict:
    """The document for a stack deployed on LocalStack (found with localstack-client)."""
    from localstack_client import config
    from localstack_client.session import Session

    cloudformation = Session(region_name=region).client("cloudformation")
    try:
        stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
        physical_ids: dict[str, str] = {}
        for page in cloudformation.get_paginator("list_stack_resources").paginate(
            StackName=stack_name
        ):
            for summary in page["StackResourceSummaries"]:
                physical_ids[summary["LogicalResourceId"]] = summary["PhysicalResourceId"]
    except Exception as exc:
        raise EnvVarsError(f"stack {stack_name} on LocalStack: {exc}") from exc
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack.get("Parameters") or []}
    environments = function_environments(
        load_template(ROOT / "template.yaml"),
        parameters=parameters,
        physical_ids=physical_ids,
        region=region,
        account_id=stack["StackId"].split(":")[4],
        stack_name=stack_name,
    )
    return env_vars_document(environments, endpoint or config.get_service_endpoint("lambda"))


def main(argv: list[str] | None = None) -> int:
    """The command line (see the module's docstring)."""
    parser = argparse.ArgumentParser(description="Write a sam local --env-vars file.")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--devserver", type=Path, metavar="STATE_DIR", default=None)
    where.add_argument("--localstack-stack", metavar="STACK")
    parser.add_argument("--endpoint", help="the endpoint as the function containers reach it")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    arguments = parser.parse_args(argv)
    try:
        if arguments.localstack_stack:
            document = from_localstack(
                arguments.localstack_stack, arguments.endpoint, arguments.region
            )
        else:
            document = from_devserver(
                arguments.devserver or ROOT / ".devserver", arguments.endpoint
            )
    except EnvVarsError as exc:
        print(f"sam_local_env: {exc}", file=sys.stderr)
        return 1
    arguments.out.parent.mkdir(parents=True, exist_ok=True)
    arguments.out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    functions = len(document) - 1
    endpoint = document["Parameters"][ENDPOINT_VARIABLE]
    print(f"{arguments.out}: {functions} functions, {ENDPOINT_VARIABLE}={endpoint}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
