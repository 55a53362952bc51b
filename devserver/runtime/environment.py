"""A function's environment variables, as Lambda (and ``sam local``) would set them.

Lambda's reserved variables, then the template's variables (``--env-vars`` overrides
replace values of variables the template declares), then the endpoint and credentials of
the emulator or of the ``--endpoint-url`` target. CloudFormation's dynamic references in
values (``{{resolve:secretsmanager:…}}``, ``{{resolve:ssm:…}}``) are resolved from the
endpoint, as CloudFormation resolves them at deploy time.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..template.functions import FunctionSpec
from .context import log_stream_name_now

# Passed through from the host into every function's environment (nothing AWS-related).
_HOST_VARIABLES = ("PATH", "LANG", "LC_ALL", "HOME", "TMPDIR", "LD_LIBRARY_PATH", "SSL_CERT_FILE")
_DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:(secretsmanager|ssm|ssm-secure):([^}]+)\}\}")


def lambda_environment(
    spec: FunctionSpec,
    *,
    region: str,
    endpoint_url: str | None,
    credentials: Mapping[str, str],
    overrides: Mapping[str, str] | None = None,
    host_environ: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """A function's complete environment, as Lambda (and ``sam local``) would set it.

    Lambda's reserved variables, then the template's variables (``overrides`` replace
    values of variables the template declares, like ``sam local --env-vars``), then the
    endpoint and credentials of the emulator (or of the ``--endpoint-url`` target).
    """
    host = os.environ if host_environ is None else host_environ
    environment = {name: host[name] for name in _HOST_VARIABLES if name in host}
    environment.update(
        {
            "AWS_SAM_LOCAL": "true",
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory),
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(spec.timeout),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream_name_now(),
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "LAMBDA_TASK_ROOT": str(spec.code_dir),
            "LAMBDA_RUNTIME_DIR": str(Path(sys.prefix)),
            "_HANDLER": spec.handler,
            "PYTHONUNBUFFERED": "1",
        }
    )
    if spec.log_format == "JSON":
        environment["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
        if spec.log_level:
            environment["AWS_LAMBDA_LOG_LEVEL"] = str(spec.log_level)
    template_variables = dict(spec.environment)
    for name, value in (overrides or {}).items():
        if name in template_variables:
            template_variables[name] = value
    environment.update(template_variables)
    if endpoint_url is not None:
        environment["AWS_ENDPOINT_URL"] = endpoint_url
        # moto routes DynamoDB Streams only on the regional endpoint (DESIGN.md section 7)
        environment["AWS_ACCOUNT_ID_ENDPOINT_MODE"] = "disabled"
    environment.update(credentials)
    return environment


def resolve_dynamic_references(
    environment: Mapping[str, str], clients: Callable[[str], Any]
) -> dict[str, str]:
    """``{{resolve:secretsmanager:…}}`` and ``{{resolve:ssm:…}}`` in variable values."""

    def resolve(match: re.Match[str]) -> str:
        service, reference = match.group(1), match.group(2)
        if service == "secretsmanager":
            secret_id, _, rest = reference.partition(":SecretString")
            value = clients("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
            key = rest.lstrip(":").split(":", 1)[0]
            return str(json.loads(value)[key]) if key else value
        name = reference.split(":", 1)[0]
        decrypt = service == "ssm-secure"
        parameter = clients("ssm").get_parameter(Name=name, WithDecryption=decrypt)
        return str(parameter["Parameter"]["Value"])

    return {k: _DYNAMIC_REFERENCE.sub(resolve, v) for k, v in environment.items()}
