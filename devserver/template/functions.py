"""A function of the template as the devserver runs it: code, layers, handler, environment.

SAM's ``Function`` globals are merged in, intrinsic functions are resolved against the
local resources, and layers of the template are found on disk (SAM adds the ``python/``
level when it builds). Properties that only configure AWS operations (IAM, tracing,
concurrency, deployment …) are known no-ops; anything else is reported by name. A function
whose code cannot run here (a container image, another runtime, no code folder) is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..report import Report
from .intrinsics import Intrinsics
from .loading import TemplateError
from .parameters import cfn_string
from .resource_types import LAYER_TYPES

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


@dataclass(frozen=True)
class FunctionSpec:
    """One function: its code, layers, handler, limits and environment."""

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


def read_function(
    logical_id: str,
    properties: Mapping[str, Any],
    *,
    resources: Mapping[str, Any],
    template_dir: Path,
    intrinsics: Intrinsics,
    report: Report,
    region: str,
    account_id: str,
) -> FunctionSpec:
    """One ``AWS::Serverless::Function`` (its globals merged in already); events aside."""
    for name in sorted(set(properties) - _FUNCTION_SUPPORTED - _FUNCTION_NO_OPS):
        report.unsupported(logical_id, f"property {name} is not supported locally")
    if properties.get("PackageType", "Zip") != "Zip":
        raise TemplateError(f"{logical_id}: only Zip functions run locally (no containers)")
    layers = _layers(logical_id, properties.get("Layers") or [], resources, template_dir)
    for layer in layers.unknown:
        report.unsupported(
            logical_id,
            f"layer {intrinsics.resolve(layer)} is not a layer of this template: its packages "
            "must come from the development environment",
        )
    resolved = intrinsics.resolve(
        {k: v for k, v in properties.items() if k not in ("Layers", "Events", "Policies")}
    )
    if "CodeUri" not in resolved or not isinstance(resolved["CodeUri"], str):
        raise TemplateError(f"{logical_id}: CodeUri must be a local folder")
    code_dir = (template_dir / resolved["CodeUri"]).resolve()
    if not code_dir.is_dir():
        raise TemplateError(f"{logical_id}: CodeUri {code_dir} is not a folder")
    handler = resolved.get("Handler")
    if not isinstance(handler, str) or "." not in handler:
        raise TemplateError(f"{logical_id}: Handler must be module.function")
    runtime = str(resolved.get("Runtime", ""))
    if not runtime.startswith("python3"):
        raise TemplateError(f"{logical_id}: runtime {runtime!r} does not run locally")
    name = str(resolved.get("FunctionName") or logical_id)
    variables = (resolved.get("Environment") or {}).get("Variables") or {}
    logging_config = resolved.get("LoggingConfig") or {}
    return FunctionSpec(
        logical_id=logical_id,
        name=name,
        arn=f"arn:aws:lambda:{region}:{account_id}:function:{name}",
        handler=handler,
        code_dir=code_dir,
        layer_dirs=tuple(layers.dirs),
        runtime=runtime,
        timeout=int(resolved.get("Timeout", 3)),
        memory=int(resolved.get("MemorySize", 128)),
        environment={
            str(key): cfn_string(value) for key, value in variables.items() if value is not None
        },
        log_format=str(logging_config.get("LogFormat", "Text")),
        log_level=logging_config.get("ApplicationLogLevel"),
    )


@dataclass
class _Layers:
    dirs: list[Path]
    unknown: list[Any]


def _layers(
    logical_id: str, layers: list[Any], resources: Mapping[str, Any], template_dir: Path
) -> _Layers:
    found = _Layers([], [])
    for layer in layers:
        if isinstance(layer, dict) and set(layer) == {"Ref"} and layer["Ref"] in resources:
            layer_resource = resources[layer["Ref"]]
            if layer_resource.get("Type") not in LAYER_TYPES:
                raise TemplateError(f"{logical_id}: {layer['Ref']} is not a layer")
            found.dirs.append(_layer_dir(layer["Ref"], layer_resource, template_dir))
        else:
            found.unknown.append(layer)
    return found


def _layer_dir(layer_id: str, resource: Mapping[str, Any], template_dir: Path) -> Path:
    properties = resource.get("Properties") or {}
    content = properties.get("ContentUri") or properties.get("Content")
    if not isinstance(content, str):
        raise TemplateError(f"{layer_id}: ContentUri must be a local folder")
    root = (template_dir / content).resolve()
    build_method = str((resource.get("Metadata") or {}).get("BuildMethod", ""))
    # SAM adds the python/ level when it builds; a prebuilt layer already has it.
    if not build_method.startswith("python") and (root / "python").is_dir():
        return root / "python"
    return root
