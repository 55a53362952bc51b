"""Everything of ``template.yaml`` the devserver runs: functions, APIs, routes, mappings.

``ApplicationLoader`` reads a template whose resources exist already (so that every
reference resolves): each active ``AWS::Serverless::Function`` with SAM's globals merged
in, its ``Api`` events as routes and its ``DynamoDB`` and ``SQS`` events as event source
mappings, the ``AWS::Lambda::EventSourceMapping`` resources, and the REST APIs the routes
use. Resources whose ``Condition`` is false are left out, as CloudFormation leaves them
out. Event types that do not run locally are reported by name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..report import Report
from .apis import IMPLICIT_API, ApiRoute, RestApi, check_routes, read_api, read_route
from .event_sources import EventSourceMapping
from .functions import FunctionSpec, read_function
from .intrinsics import Intrinsics
from .mapping_reader import SAM_EVENT_TYPES, read_mapping_resource, read_sam_event
from .resource_types import API_TYPE, EVENT_SOURCE_MAPPING_TYPE, FUNCTION_TYPE
from .sam_globals import with_globals


@dataclass
class Application:
    """Everything the devserver runs: the functions, the REST APIs, routes and mappings."""

    functions: dict[str, FunctionSpec] = field(default_factory=dict)
    apis: dict[str, RestApi] = field(default_factory=dict)
    routes: list[ApiRoute] = field(default_factory=list)
    mappings: list[EventSourceMapping] = field(default_factory=list)

    def routes_of(self, function_id: str) -> list[ApiRoute]:
        """The routes that invoke one function."""
        return [route for route in self.routes if route.function_id == function_id]

    def mappings_of(self, function_id: str) -> list[EventSourceMapping]:
        """The event source mappings that invoke one function."""
        return [mapping for mapping in self.mappings if mapping.function_id == function_id]


class ApplicationLoader:
    """Reads the functions and APIs of a template whose resources exist (refs resolvable)."""

    def __init__(
        self,
        template: Mapping[str, Any],
        template_dir: Path,
        intrinsics: Intrinsics,
        report: Report,
        *,
        conditions: Mapping[str, bool] | None = None,
        region: str = "us-east-1",
        account_id: str = "123456789012",
    ) -> None:
        self.template = template
        self.template_dir = template_dir
        self.intrinsics = intrinsics
        self.report = report
        self.conditions = dict(conditions or {})
        self.region = region
        self.account_id = account_id
        self.globals = template.get("Globals") or {}

    def load(self) -> Application:
        """Every function (and the APIs its routes use) of the template."""
        application = Application()
        resources = self.template["Resources"]
        for logical_id, resource in resources.items():
            if resource.get("Type") == API_TYPE and self._active(resource):
                application.apis[logical_id] = read_api(
                    logical_id, resource, self.globals.get("Api"), self.intrinsics, self.report
                )
        for logical_id, resource in resources.items():
            if resource.get("Type") == FUNCTION_TYPE and self._active(resource):
                self._function(application, logical_id, resource)
        for logical_id, resource in resources.items():
            if resource.get("Type") == EVENT_SOURCE_MAPPING_TYPE and self._active(resource):
                application.mappings.append(
                    read_mapping_resource(
                        logical_id,
                        resource.get("Properties") or {},
                        application.functions,
                        self.intrinsics,
                        self.report,
                    )
                )
        if any(route.api_id == IMPLICIT_API for route in application.routes):
            application.apis[IMPLICIT_API] = read_api(
                IMPLICIT_API,
                {"Properties": {}},
                self.globals.get("Api"),
                self.intrinsics,
                self.report,
            )
        check_routes(application.routes, application.apis, self.report)
        return application

    def _active(self, resource: Mapping[str, Any]) -> bool:
        condition = resource.get("Condition")
        return condition is None or self.conditions.get(condition, False)

    def _function(
        self, application: Application, logical_id: str, resource: Mapping[str, Any]
    ) -> None:
        properties = with_globals(resource.get("Properties") or {}, self.globals.get("Function"))
        application.functions[logical_id] = read_function(
            logical_id,
            properties,
            resources=self.template["Resources"],
            template_dir=self.template_dir,
            intrinsics=self.intrinsics,
            report=self.report,
            region=self.region,
            account_id=self.account_id,
        )
        for event_name, event in (properties.get("Events") or {}).items():
            event_type = event.get("Type")
            event_properties = event.get("Properties") or {}
            if event_type == "Api":
                application.routes.append(
                    read_route(
                        logical_id, event_name, event_properties, self.intrinsics, self.report
                    )
                )
            elif event_type in SAM_EVENT_TYPES:
                application.mappings.append(
                    read_sam_event(
                        event_type,
                        logical_id,
                        event_name,
                        event_properties,
                        self.intrinsics,
                        self.report,
                    )
                )
            else:
                self.report.unsupported(
                    f"{logical_id}.Events.{event_name}",
                    f"event type {event_type} is not run locally",
                )
