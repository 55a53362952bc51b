"""What every resource type's provisioning needs: clients, naming, the report, the mode."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ...report import Report
from ...template import TemplateError
from .inventory import Naming

ClientFactory = Callable[[str], Any]


@dataclass(frozen=True)
class ProvisionContext:
    """Where resources are created or found, and how they are named.

    ``physical_ids`` maps logical ids to the physical ids of an existing stack (found with
    CloudFormation on LocalStack or AWS); without one, a resource is named by ``naming``
    and created when missing (``create=True``).
    """

    clients: ClientFactory
    naming: Naming
    region: str
    account_id: str
    report: Report
    create: bool = True
    physical_ids: Mapping[str, str] = field(default_factory=dict)

    def missing(self, logical_id: str, what: str) -> TemplateError:
        """The error for a resource that should exist (a deployed stack's) and does not."""
        return TemplateError(f"{logical_id}: {what} does not exist")
