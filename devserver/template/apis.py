"""REST APIs and the routes of the functions' ``Api`` events, as API Gateway would take them.

Each ``AWS::Serverless::Api`` (and SAM's implicit ``ServerlessRestApi``) gives a stage,
binary media types and stage variables; each ``Api`` event a method on a resource path.
What API Gateway would refuse (a path defined twice, a greedy parameter before the end, an
unknown method) is refused; what is not run locally (authorizers, CORS, models …) is
reported by name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..report import Report
from .intrinsics import Intrinsics
from .loading import TemplateError
from .parameters import cfn_string
from .sam_globals import with_globals

IMPLICIT_API = "ServerlessRestApi"
IMPLICIT_STAGE = "Prod"

_API_EVENT_PROPERTIES = frozenset({"Path", "Method", "RestApiId", "TimeoutInMillis"})
_API_EVENT_NO_OPS = frozenset({"OperationId"})
_API_SUPPORTED = frozenset({"StageName", "BinaryMediaTypes", "Variables", "Name"})
_API_NO_OPS = frozenset(
    {
        "Description",
        "EndpointConfiguration",
        "TracingEnabled",
        "MethodSettings",
        "AccessLogSetting",
        "CacheClusterEnabled",
        "CacheClusterSize",
        "Tags",
        "OpenApiVersion",
        "MinimumCompressionSize",
        "Domain",
        "CanarySetting",
        "DisableExecuteApiEndpoint",
        "PropagateTags",
        "AlwaysDeploy",
        "MergeDefinitions",
        "Mode",
        "FailOnWarnings",
    }
)
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"})


@dataclass(frozen=True)
class RestApi:
    """One REST API: its stage, binary media types and stage variables."""

    logical_id: str
    stage_name: str
    binary_media_types: tuple[str, ...] = ()
    stage_variables: Mapping[str, str] | None = None


@dataclass(frozen=True)
class ApiRoute:
    """One ``Api`` event: a method on a resource path of a REST API."""

    function_id: str
    event_name: str
    api_id: str
    path: str
    method: str
    timeout_ms: int = 29_000


def read_api(
    logical_id: str,
    resource: Mapping[str, Any],
    globals_section: Mapping[str, Any] | None,
    intrinsics: Intrinsics,
    report: Report,
) -> RestApi:
    """One ``AWS::Serverless::Api`` (with the ``Api`` globals merged in)."""
    properties = with_globals(resource.get("Properties") or {}, globals_section)
    properties = intrinsics.resolve(properties)
    where = f"{logical_id} (REST API)"
    for name in sorted(set(properties) - _API_SUPPORTED - _API_NO_OPS):
        detail = {
            "Auth": "authorizers are not enforced locally",
            "Cors": "CORS preflight responses are not generated locally",
            "DefinitionBody": "routes are read from the functions' Api events only",
            "DefinitionUri": "routes are read from the functions' Api events only",
            "GatewayResponses": "custom gateway responses are not served locally",
            "Models": "request models are not validated locally",
            "ApiKeySourceType": "API keys are not enforced locally",
        }.get(name, "not supported locally")
        report.unsupported(where, f"property {name}: {detail} (ignored)")
    stage = properties.get("StageName", IMPLICIT_STAGE if logical_id == IMPLICIT_API else None)
    if not stage:
        raise TemplateError(f"{logical_id}: StageName is required")
    variables = properties.get("Variables")
    return RestApi(
        logical_id=logical_id,
        stage_name=str(stage),
        binary_media_types=tuple(
            str(t).replace("~1", "/") for t in properties.get("BinaryMediaTypes") or ()
        ),
        stage_variables={k: cfn_string(v) for k, v in variables.items()} if variables else None,
    )


def read_route(
    function_id: str,
    event_name: str,
    properties: Mapping[str, Any],
    intrinsics: Intrinsics,
    report: Report,
) -> ApiRoute:
    """One ``Api`` event of a function."""
    where = f"{function_id}.Events.{event_name}"
    for name in sorted(set(properties) - _API_EVENT_PROPERTIES - _API_EVENT_NO_OPS):
        detail = {
            "Auth": "authorizers are not enforced locally",
            "RequestModel": "request models are not validated locally",
            "RequestParameters": "required parameters are not checked locally",
        }.get(name, "not supported locally")
        report.unsupported(where, f"property {name}: {detail} (ignored)")
    rest_api = properties.get("RestApiId")
    api_id = IMPLICIT_API
    if rest_api is not None:
        if not (isinstance(rest_api, dict) and set(rest_api) == {"Ref"}):
            raise TemplateError(f"{where}: RestApiId must be !Ref of an API of the template")
        api_id = rest_api["Ref"]
    path = str(intrinsics.resolve(properties["Path"]))
    if not path.startswith("/"):
        raise TemplateError(f"{where}: Path must start with /")
    method = str(intrinsics.resolve(properties["Method"])).upper()
    if method not in _METHODS:
        raise TemplateError(f"{where}: method {method} is not an HTTP method API Gateway knows")
    if re.search(r"\{[^}/]*\+\}.", path):
        raise TemplateError(f"{where}: a greedy {{name+}} parameter must end the path")
    timeout = int(intrinsics.resolve(properties.get("TimeoutInMillis", 29_000)))
    return ApiRoute(function_id, event_name, api_id, _normal_path(path), method, timeout)


def check_routes(routes: list[ApiRoute], apis: Mapping[str, RestApi], report: Report) -> None:
    """Refuse what API Gateway would: a route on an unknown API, a path defined twice."""
    seen: dict[tuple[str, str], ApiRoute] = {}
    for route in routes:
        if route.api_id not in apis:
            raise TemplateError(
                f"{route.function_id}.{route.event_name}: RestApiId {route.api_id} "
                "is not an AWS::Serverless::Api of the template"
            )
        key = (route.path, route.method)
        if key in seen:
            other = seen[key]
            raise TemplateError(
                f"{route.method} {route.path} is defined twice: by "
                f"{other.function_id}.{other.event_name} and "
                f"{route.function_id}.{route.event_name}"
            )
        seen[key] = route
    if len(apis) > 1:
        report.unsupported(
            "APIs",
            f"{len(apis)} REST APIs are served together on one port (paths must not collide)",
        )


def _normal_path(path: str) -> str:
    return path if path == "/" else "/" + path.strip("/")
