"""Where a deployed system's resources are, for the operator's tools (rebuild, redrive).

- On AWS or LocalStack: a CloudFormation stack (``--stack-name``); the endpoint is AWS's, or
  ``AWS_ENDPOINT_URL``'s.
- On this machine: a running devserver (``--devserver .devserver``), whose state directory's
  ``devserver.json`` names its emulator, its Lambda endpoint and the physical name of every
  resource it created.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from message_store import aws

DEFAULT_STACK = "video-tutorials"
DEFAULT_DEVSERVER = Path(".devserver")


class StackError(Exception):
    """The stack or devserver cannot be found, or lacks a resource (said in the message)."""


@dataclass(frozen=True)
class Stack:
    """The physical ids of a deployment's resources, and the endpoints to reach them."""

    name: str
    resources: dict[str, str] = field(default_factory=dict)
    endpoint_url: str | None = None
    lambda_url: str | None = None
    #: the emulator's placeholder credentials (a devserver accepts any)
    credentials: tuple[str, str] | None = None
    #: the template's parameters as deployed (NoEcho ones masked)
    parameters: dict[str, str] = field(default_factory=dict)

    def physical_id(self, logical_id: str) -> str:
        """A resource's physical id (table name, queue URL, function name …)."""
        try:
            return self.resources[logical_id]
        except KeyError:
            raise StackError(f"{self.name} has no resource {logical_id}") from None

    def has(self, logical_id: str) -> bool:
        """Whether the deployment has the resource (its topology's resources only)."""
        return logical_id in self.resources

    def category_partitions(self) -> int | None:
        """The category index's partitions as deployed (``CategoryPartitions``); ``None``
        when unknown (then ``CATEGORY_PARTITIONS``, as the functions have it)."""
        value = self.parameters.get("CategoryPartitions")
        return int(value) if value else None

    def client(self, service: str) -> Any:
        """A client of ``service`` at this deployment's endpoint (Lambda: its own)."""
        endpoint = self.lambda_url if service == "lambda" and self.lambda_url else self.endpoint_url
        return aws.client(service, endpoint_url=endpoint, credentials=self.credentials)

    @classmethod
    def from_devserver(cls, state_dir: Path) -> Stack:
        """The resources of the devserver running on ``state_dir``."""
        runtime = state_dir / "devserver.json"
        try:
            document = json.loads(runtime.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StackError(f"no running devserver on {state_dir} ({exc})") from exc
        return cls(
            name=f"devserver {state_dir}",
            resources=dict(document.get("resources") or {}),
            endpoint_url=document.get("endpoint_url"),
            lambda_url=document.get("lambda_url"),
            credentials=("testing", "testing") if document.get("emulator_pid") else None,
            parameters={k: str(v) for k, v in (document.get("parameters") or {}).items()},
        )

    @classmethod
    def from_cloudformation(cls, stack_name: str) -> Stack:
        """The resources of a deployed CloudFormation stack."""
        cloudformation = aws.client("cloudformation")
        resources: dict[str, str] = {}
        request: dict[str, Any] = {"StackName": stack_name}
        try:
            while True:
                page = cloudformation.list_stack_resources(**request)
                for summary in page["StackResourceSummaries"]:
                    if summary.get("PhysicalResourceId"):
                        resources[summary["LogicalResourceId"]] = summary["PhysicalResourceId"]
                if not page.get("NextToken"):
                    break
                request["NextToken"] = page["NextToken"]
            (described,) = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
        except Exception as exc:
            raise StackError(f"stack {stack_name}: {aws.error_code(exc) or exc}") from exc
        parameters = {
            p["ParameterKey"]: p.get("ResolvedValue") or p.get("ParameterValue", "")
            for p in described.get("Parameters", ())
        }
        return cls(name=stack_name, resources=resources, parameters=parameters)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``--stack-name`` / ``--devserver``: where the tool finds the deployment."""
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--stack-name", help=f"a deployed stack (default {DEFAULT_STACK}, unless a devserver runs)"
    )
    where.add_argument(
        "--devserver",
        type=Path,
        metavar="STATE_DIR",
        help=f"a running devserver's state directory (default {DEFAULT_DEVSERVER} when it runs)",
    )


def from_arguments(arguments: argparse.Namespace) -> Stack:
    """The deployment the arguments name; a running local devserver when they name none."""
    if arguments.devserver is not None:
        return Stack.from_devserver(arguments.devserver)
    if arguments.stack_name is None and (DEFAULT_DEVSERVER / "devserver.json").exists():
        return Stack.from_devserver(DEFAULT_DEVSERVER)
    return Stack.from_cloudformation(arguments.stack_name or DEFAULT_STACK)
