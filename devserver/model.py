"""The functions of ``template.yaml`` as the devserver runs them.

SAM's ``Globals`` are merged into each function as SAM merges them (maps merged, lists
added, scalars overridden), intrinsic functions are resolved against the local resources,
and each ``Api`` and ``DynamoDB`` event becomes a route or a stream source. Everything the
devserver does not run is reported by name; IAM (``Policies``, ``Role``), tracing and the
like are known no-ops.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .filters import FilterPattern, parse_filter_criteria
from .report import Report
from .resources import API_TYPE, FUNCTION_TYPE, LAYER_TYPES
from .template import Intrinsics, TemplateError, cfn_string

IMPLICIT_API = "ServerlessRestApi"
IMPLICIT_STAGE = "Prod"

_FUNCTION_SUPPORTED = frozenset(
    {
        "Handler",
        "CodeUri",
        "Runtime",
        "Timeout",
        "MemorySize",
        "Environment",
        "Layers",
        "Events",
        "FunctionName",
        "LoggingConfig",
        "PackageType",
    }
)
# Accepted without effect: IAM is not enforced, nothing is traced, deployed or versioned.
_FUNCTION_NO_OPS = frozenset(
    {
        "Description",
        "Architectures",
        "Tracing",
        "Policies",
        "Role",
        "RolePath",
        "PermissionsBoundary",
        "Tags",
        "PropagateTags",
        "ReservedConcurrentExecutions",
        "ProvisionedConcurrencyConfig",
        "AutoPublishAlias",
        "AutoPublishAliasAllProperties",
        "AutoPublishCodeSha256",
        "VersionDescription",
        "DeploymentPreference",
        "KmsKeyArn",
        "VpcConfig",
        "DeadLetterQueue",
        "EventInvokeConfig",
        "EphemeralStorage",
        "RecursiveLoop",
        "SnapStart",
        "RuntimeManagementConfig",
        "CodeSigningConfigArn",
        "AssumeRolePolicyDocument",
        "FunctionScalingConfig",
    }
)
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
_STREAM_SUPPORTED = frozenset(
    {
        "Stream",
        "StartingPosition",
        "BatchSize",
        "MaximumBatchingWindowInSeconds",
        "FilterCriteria",
        "FunctionResponseTypes",
        "BisectBatchOnFunctionError",
        "MaximumRetryAttempts",
        "MaximumRecordAgeInSeconds",
        "DestinationConfig",
        "ParallelizationFactor",
        "Enabled",
    }
)
_STREAM_NO_OPS = frozenset({"KmsKeyArn", "MetricsConfig", "FilterCriteriaKmsKeyArn"})
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


@dataclass(frozen=True)
class StreamSource:
    """One ``DynamoDB`` event: an event source mapping on a table's stream."""

    function_id: str
    event_name: str
    stream_arn: str
    table_id: str | None
    starting_position: str
    batch_size: int = 100
    batching_window: float = 0.0
    filters: tuple[FilterPattern, ...] = ()
    report_item_failures: bool = False
    bisect_on_error: bool = False
    max_retries: int = -1
    max_record_age: int = -1
    on_failure: str | None = None
    enabled: bool = True

    @property
    def key(self) -> str:
        """The mapping's stable name: ``{function}/{event}`` (checkpoints are kept by it)."""
        return f"{self.function_id}/{self.event_name}"


@dataclass(frozen=True)
class FunctionSpec:
    """One function: its code, layers, environment and triggers."""

    logical_id: str
    name: str
    arn: str
    handler: str
    code_dir: Path
    layer_dirs: tuple[Path, ...]
    runtime: str
    timeout: int
    memory: int
    environment: Mapping[str, str]
    log_format: str = "Text"
    log_level: str | None = None
    routes: tuple[ApiRoute, ...] = ()
    streams: tuple[StreamSource, ...] = ()


@dataclass
class Application:
    """Everything the devserver runs: the functions, the REST APIs and their routes."""

    functions: dict[str, FunctionSpec] = field(default_factory=dict)
    apis: dict[str, RestApi] = field(default_factory=dict)

    @property
    def routes(self) -> list[ApiRoute]:
        """Every route of every function."""
        return [route for spec in self.functions.values() for route in spec.routes]

    @property
    def streams(self) -> list[StreamSource]:
        """Every stream source of every function."""
        return [source for spec in self.functions.values() for source in spec.streams]


def merge_globals(global_value: Any, resource_value: Any) -> Any:
    """SAM's ``Globals`` rule: maps merged, lists added, anything else overridden."""
    if _is_plain_map(global_value) and _is_plain_map(resource_value):
        merged = dict(global_value)
        for key, value in resource_value.items():
            merged[key] = merge_globals(global_value[key], value) if key in merged else value
        return merged
    if isinstance(global_value, list) and isinstance(resource_value, list):
        return [*global_value, *resource_value]
    return resource_value


def _is_plain_map(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    if len(value) == 1:
        (key,) = value
        return not (key == "Ref" or key.startswith("Fn::") or key == "Condition")
    return True


def with_globals(
    properties: Mapping[str, Any], globals_section: Mapping[str, Any] | None
) -> dict[str, Any]:
    """A resource's properties with SAM's globals of its kind merged in."""
    merged = dict(globals_section or {})
    for key, value in properties.items():
        merged[key] = merge_globals(merged[key], value) if key in merged else value
    return merged


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
                application.apis[logical_id] = self._api(logical_id, resource)
        for logical_id, resource in resources.items():
            if resource.get("Type") == FUNCTION_TYPE and self._active(resource):
                application.functions[logical_id] = self._function(logical_id, resource)
        if any(route.api_id == IMPLICIT_API for route in application.routes):
            application.apis[IMPLICIT_API] = self._api(IMPLICIT_API, {"Properties": {}})
        self._check_routes(application)
        return application

    def _active(self, resource: Mapping[str, Any]) -> bool:
        condition = resource.get("Condition")
        return condition is None or self.conditions.get(condition, False)

    # --- APIs ---------------------------------------------------------------------------

    def _api(self, logical_id: str, resource: Mapping[str, Any]) -> RestApi:
        properties = with_globals(resource.get("Properties") or {}, self.globals.get("Api"))
        properties = self.intrinsics.resolve(properties)
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
            self.report.unsupported(where, f"property {name}: {detail} (ignored)")
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

    def _check_routes(self, application: Application) -> None:
        seen: dict[tuple[str, str], ApiRoute] = {}
        for route in application.routes:
            if route.api_id not in application.apis:
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
        if len(application.apis) > 1:
            self.report.unsupported(
                "APIs",
                f"{len(application.apis)} REST APIs are served together on one port "
                "(paths must not collide)",
            )

    # --- functions ----------------------------------------------------------------------

    def _function(self, logical_id: str, resource: Mapping[str, Any]) -> FunctionSpec:
        raw = with_globals(resource.get("Properties") or {}, self.globals.get("Function"))
        for name in sorted(set(raw) - _FUNCTION_SUPPORTED - _FUNCTION_NO_OPS):
            self.report.unsupported(logical_id, f"property {name} is not supported locally")
        if raw.get("PackageType", "Zip") != "Zip":
            raise TemplateError(f"{logical_id}: only Zip functions run locally (no containers)")
        layers = self._layers(logical_id, raw.get("Layers") or [])
        events = raw.get("Events") or {}
        properties = self.intrinsics.resolve(
            {k: v for k, v in raw.items() if k not in ("Layers", "Events", "Policies")}
        )
        if "CodeUri" not in properties or not isinstance(properties["CodeUri"], str):
            raise TemplateError(f"{logical_id}: CodeUri must be a local folder")
        code_dir = (self.template_dir / properties["CodeUri"]).resolve()
        if not code_dir.is_dir():
            raise TemplateError(f"{logical_id}: CodeUri {code_dir} is not a folder")
        handler = properties.get("Handler")
        if not isinstance(handler, str) or "." not in handler:
            raise TemplateError(f"{logical_id}: Handler must be module.function")
        runtime = str(properties.get("Runtime", ""))
        if not runtime.startswith("python3"):
            raise TemplateError(f"{logical_id}: runtime {runtime!r} does not run locally")
        name = str(properties.get("FunctionName") or logical_id)
        variables = (properties.get("Environment") or {}).get("Variables") or {}
        logging_config = properties.get("LoggingConfig") or {}
        spec = FunctionSpec(
            logical_id=logical_id,
            name=name,
            arn=f"arn:aws:lambda:{self.region}:{self.account_id}:function:{name}",
            handler=handler,
            code_dir=code_dir,
            layer_dirs=tuple(layers),
            runtime=runtime,
            timeout=int(properties.get("Timeout", 3)),
            memory=int(properties.get("MemorySize", 128)),
            environment={
                str(key): cfn_string(value) for key, value in variables.items() if value is not None
            },
            log_format=str(logging_config.get("LogFormat", "Text")),
            log_level=logging_config.get("ApplicationLogLevel"),
        )
        routes: list[ApiRoute] = []
        streams: list[StreamSource] = []
        for event_name, event in events.items():
            where = f"{logical_id}.Events.{event_name}"
            event_type = event.get("Type")
            event_properties = event.get("Properties") or {}
            if event_type == "Api":
                routes.append(self._route(logical_id, event_name, where, event_properties))
            elif event_type == "DynamoDB":
                streams.append(self._stream(logical_id, event_name, where, event_properties))
            else:
                self.report.unsupported(where, f"event type {event_type} is not run locally")
        return replace(spec, routes=tuple(routes), streams=tuple(streams))

    def _layers(self, logical_id: str, layers: list[Any]) -> list[Path]:
        resources = self.template["Resources"]
        dirs: list[Path] = []
        for layer in layers:
            if isinstance(layer, dict) and set(layer) == {"Ref"} and layer["Ref"] in resources:
                layer_resource = resources[layer["Ref"]]
                if layer_resource.get("Type") not in LAYER_TYPES:
                    raise TemplateError(f"{logical_id}: {layer['Ref']} is not a layer")
                dirs.append(self._layer_dir(layer["Ref"], layer_resource))
            else:
                value = self.intrinsics.resolve(layer)
                self.report.unsupported(
                    logical_id,
                    f"layer {value} is not a layer of this template: its packages must come "
                    "from the development environment",
                )
        return dirs

    def _layer_dir(self, layer_id: str, resource: Mapping[str, Any]) -> Path:
        properties = resource.get("Properties") or {}
        content = properties.get("ContentUri") or properties.get("Content")
        if not isinstance(content, str):
            raise TemplateError(f"{layer_id}: ContentUri must be a local folder")
        root = (self.template_dir / content).resolve()
        build_method = str((resource.get("Metadata") or {}).get("BuildMethod", ""))
        # SAM adds the python/ level when it builds; a prebuilt layer already has it.
        if not build_method.startswith("python") and (root / "python").is_dir():
            return root / "python"
        return root

    def _route(
        self, function_id: str, event_name: str, where: str, properties: Mapping[str, Any]
    ) -> ApiRoute:
        for name in sorted(set(properties) - _API_EVENT_PROPERTIES - _API_EVENT_NO_OPS):
            detail = {
                "Auth": "authorizers are not enforced locally",
                "RequestModel": "request models are not validated locally",
                "RequestParameters": "required parameters are not checked locally",
            }.get(name, "not supported locally")
            self.report.unsupported(where, f"property {name}: {detail} (ignored)")
        rest_api = properties.get("RestApiId")
        api_id = IMPLICIT_API
        if rest_api is not None:
            if not (isinstance(rest_api, dict) and set(rest_api) == {"Ref"}):
                raise TemplateError(f"{where}: RestApiId must be !Ref of an API of the template")
            api_id = rest_api["Ref"]
        path = str(self.intrinsics.resolve(properties["Path"]))
        if not path.startswith("/"):
            raise TemplateError(f"{where}: Path must start with /")
        method = str(self.intrinsics.resolve(properties["Method"])).upper()
        if method not in _METHODS:
            raise TemplateError(f"{where}: method {method} is not an HTTP method API Gateway knows")
        if re.search(r"\{[^}/]*\+\}.", path):
            raise TemplateError(f"{where}: a greedy {{name+}} parameter must end the path")
        timeout = int(self.intrinsics.resolve(properties.get("TimeoutInMillis", 29_000)))
        return ApiRoute(function_id, event_name, api_id, _normal_path(path), method, timeout)

    def _stream(
        self, function_id: str, event_name: str, where: str, properties: Mapping[str, Any]
    ) -> StreamSource:
        for name in sorted(set(properties) - _STREAM_SUPPORTED - _STREAM_NO_OPS):
            detail = {
                "TumblingWindowInSeconds": "tumbling windows are not run locally",
                "StartingPositionTimestamp": "DynamoDB streams have no AT_TIMESTAMP",
            }.get(name, "not supported locally")
            self.report.unsupported(where, f"property {name}: {detail} (ignored)")
        stream = properties.get("Stream")
        table_id = None
        if isinstance(stream, dict) and "Fn::GetAtt" in stream:
            argument = stream["Fn::GetAtt"]
            table_id = argument[0] if isinstance(argument, list) else str(argument).split(".")[0]
        resolved = self.intrinsics.resolve(
            {k: v for k, v in properties.items() if k != "FilterCriteria"}
        )
        stream_arn = resolved.get("Stream")
        if not isinstance(stream_arn, str) or "/stream/" not in stream_arn:
            raise TemplateError(f"{where}: Stream must be a DynamoDB stream ARN")
        starting = resolved.get("StartingPosition")
        if starting not in ("TRIM_HORIZON", "LATEST"):
            raise TemplateError(f"{where}: StartingPosition must be TRIM_HORIZON or LATEST")
        batch_size = _bounded(where, "BatchSize", resolved.get("BatchSize", 100), 1, 10_000)
        window = _bounded(
            where,
            "MaximumBatchingWindowInSeconds",
            resolved.get("MaximumBatchingWindowInSeconds", 0),
            0,
            300,
        )
        retries = _bounded(
            where, "MaximumRetryAttempts", resolved.get("MaximumRetryAttempts", -1), -1, 10_000
        )
        age = _bounded(
            where,
            "MaximumRecordAgeInSeconds",
            resolved.get("MaximumRecordAgeInSeconds", -1),
            -1,
            604_800,
        )
        if 0 <= age < 60:
            raise TemplateError(f"{where}: MaximumRecordAgeInSeconds must be -1 or 60 to 604800")
        parallelization = _bounded(
            where, "ParallelizationFactor", resolved.get("ParallelizationFactor", 1), 1, 10
        )
        if parallelization > 1:
            self.report.unsupported(
                where, f"ParallelizationFactor {parallelization} runs as 1 locally"
            )
        response_types = resolved.get("FunctionResponseTypes") or []
        unknown_types = set(response_types) - {"ReportBatchItemFailures"}
        if unknown_types:
            raise TemplateError(f"{where}: unknown FunctionResponseTypes {sorted(unknown_types)}")
        on_failure = ((resolved.get("DestinationConfig") or {}).get("OnFailure") or {}).get(
            "Destination"
        )
        if on_failure is not None and not re.match(r"arn:aws[\w-]*:(sqs|sns):", str(on_failure)):
            self.report.unsupported(
                where, f"on-failure destination {on_failure}: only SQS and SNS are supported"
            )
            on_failure = None
        filter_criteria = self.intrinsics.resolve(properties.get("FilterCriteria"))
        try:
            filters = parse_filter_criteria(filter_criteria)
        except ValueError as exc:
            raise TemplateError(f"{where}: FilterCriteria: {exc}") from exc
        return StreamSource(
            function_id=function_id,
            event_name=event_name,
            stream_arn=stream_arn,
            table_id=table_id,
            starting_position=starting,
            batch_size=int(batch_size),
            batching_window=float(window),
            filters=filters,
            report_item_failures="ReportBatchItemFailures" in response_types,
            bisect_on_error=_boolean(resolved.get("BisectBatchOnFunctionError", False)),
            max_retries=int(retries),
            max_record_age=int(age),
            on_failure=on_failure,
            enabled=_boolean(resolved.get("Enabled", True)),
        )


def _normal_path(path: str) -> str:
    return path if path == "/" else "/" + path.strip("/")


def _bounded(where: str, name: str, value: Any, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise TemplateError(f"{where}: {name} must be a number, not {value!r}") from None
    if not low <= number <= high:
        raise TemplateError(f"{where}: {name} {number} is outside {low}..{high}")
    return number


def _boolean(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


def describe_stream_source(source: StreamSource) -> str:
    """A short human description of an event source mapping (for the banner)."""
    parts = [f"batch {source.batch_size}", source.starting_position]
    if source.batching_window:
        parts.append(f"window {source.batching_window:g}s")
    if source.filters:
        parts.append(f"{len(source.filters)} filter{'s' if len(source.filters) > 1 else ''}")
    if source.report_item_failures:
        parts.append("partial failures")
    if source.bisect_on_error:
        parts.append("bisect")
    if source.max_retries >= 0:
        parts.append(f"{source.max_retries} retr{'y' if source.max_retries == 1 else 'ies'}")
    if source.max_record_age >= 0:
        parts.append(f"max age {source.max_record_age}s")
    if source.on_failure:
        parts.append(f"on failure → {source.on_failure.rsplit(':', 1)[-1]}")
    return ", ".join(parts)
