"""Every environment variable a function reads is declared in template.yaml for it.

A function reads its settings model (``functions/<dir>/app.py``: ``XSettings.from_environment()``),
the message store's settings (every function reaches AWS through ``message_store.aws``), the
observability settings, and Powertools' own variables. ``sam local --env-vars`` can only set a
variable the template declares, and a variable missing on AWS is a default that only fits
this machine — so each must be declared (Globals or the function's own ``Environment``), or be
one of the few listed below with the reason it need not be.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import AliasChoices, BaseModel

from devserver.template import load_template
from message_store.settings import MessageStoreSettings, ObservabilitySettings
from video_tutorials import settings as function_settings

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template()
GLOBAL_VARIABLES = set(TEMPLATE["Globals"]["Function"]["Environment"]["Variables"])
FUNCTIONS = {
    logical_id: resource
    for logical_id, resource in TEMPLATE["Resources"].items()
    if resource["Type"] == "AWS::Serverless::Function"
}

#: Read, but rightly not declared: the platform sets them, or their default is right everywhere.
NOT_DECLARED = {
    "AWS_REGION": "Lambda sets it",
    "AWS_DEFAULT_REGION": "Lambda sets it",
    "AWS_ENDPOINT_URL": "the platform's (LocalStack, the devserver); SDK_ENDPOINT_URL is declared",
    "AWS_ENDPOINT_URL_LAMBDA": "the devserver's own Lambda endpoint, set by it",
    "SESSION_SECRET": "the local alternative to SESSION_SECRET_ARN (tests, the devserver)",
    "LAMBDA_TASK_ROOT": "Lambda sets it",
    "AWS_SAM_LOCAL": "sam local and the devserver set it",
    "POWERTOOLS_TRACE_DISABLED": "an operator's switch; tracing follows the platform otherwise",
    "SETTLE_WINDOW_SECONDS": "a store tuning with one right value (docs/message-store.md)",
    "APPEND_ATTEMPTS": "a store tuning with one right value",
    "MAX_BODY_BYTES": "the applications' request limit, the same everywhere",
    "LOG_IN_FAILURES_ALLOWED": "the log-in lock's policy, the same everywhere",
    "LOG_IN_LOCK_SECONDS": "the log-in lock's policy, the same everywhere",
}

#: Powertools' variables every function relies on (service name, metrics, logs, traces).
POWERTOOLS = {
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_LOG_LEVEL",
    "POWERTOOLS_TRACER_CAPTURE_RESPONSE",
}


def variable_names(model: type[BaseModel]) -> set[str]:
    """The environment variables a settings model reads (a field's aliases, or its name)."""
    names = set()
    for name, field in model.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names |= {str(choice).upper() for choice in alias.choices}
        elif isinstance(alias, str):
            names.add(alias.upper())
        else:
            names.add(name.upper())
    return names


def settings_model(logical_id: str) -> type[BaseModel]:
    """The settings model the function's ``app.py`` builds at cold start."""
    code_dir = ROOT / FUNCTIONS[logical_id]["Properties"]["CodeUri"]
    source = (code_dir / "app.py").read_text(encoding="utf-8")
    found = re.findall(r"(\w+Settings)\.from_environment\(\)", source)
    assert len(found) == 1, f"{logical_id}: one settings model per function, found {found}"
    return getattr(function_settings, found[0])


def declared(logical_id: str) -> set[str]:
    own = (FUNCTIONS[logical_id]["Properties"].get("Environment") or {}).get("Variables") or {}
    return GLOBAL_VARIABLES | set(own)


def read_by(logical_id: str) -> set[str]:
    models = (settings_model(logical_id), MessageStoreSettings, ObservabilitySettings)
    return set().union(*(variable_names(model) for model in models)) | POWERTOOLS


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_every_variable_a_function_reads_is_declared_for_it(logical_id):
    missing = read_by(logical_id) - declared(logical_id) - set(NOT_DECLARED)
    assert not missing, (
        f"{logical_id} reads {sorted(missing)}, which template.yaml does not declare"
    )


def test_a_model_field_that_is_not_declared_is_found():
    class Example(MessageStoreSettings):
        videos_bucket: str

    assert "VIDEOS_BUCKET" in variable_names(Example)
    assert {"SDK_ENDPOINT_URL", "AWS_ENDPOINT_URL"} <= variable_names(Example)
    assert "VIDEOS_BUCKET" not in declared("HomeFunction")


def test_the_undeclared_ones_are_not_declared_after_all():
    # a variable both listed and declared is a stale entry: the list would hide a removal
    everywhere = set().union(*(declared(logical_id) for logical_id in FUNCTIONS))
    assert not set(NOT_DECLARED) & everywhere


def test_the_sdk_endpoint_is_declared_empty_for_every_function():
    variables = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["SDK_ENDPOINT_URL"] == {"Ref": "EndpointUrl"}
    assert TEMPLATE["Parameters"]["EndpointUrl"]["Default"] == ""


def test_an_empty_sdk_endpoint_leaves_the_platforms_or_aws_own():
    # an empty EndpointUrl must not point the SDK anywhere (botocore skips an empty value too)
    assert MessageStoreSettings.from_environment({"SDK_ENDPOINT_URL": ""}).aws_endpoint_url is None
    platform = {"SDK_ENDPOINT_URL": "", "AWS_ENDPOINT_URL": "http://localstack:4566"}
    assert (
        MessageStoreSettings.from_environment(platform).aws_endpoint_url
        == platform["AWS_ENDPOINT_URL"]
    )
    chosen = {"SDK_ENDPOINT_URL": "http://127.0.0.1:3001", "AWS_ENDPOINT_URL": "http://x:1"}
    assert MessageStoreSettings.from_environment(chosen).aws_endpoint_url == "http://127.0.0.1:3001"


def test_botocore_itself_skips_an_empty_aws_endpoint_url(monkeypatch):
    # why an empty value is harmless on AWS too (botocore's ConfiguredEndpointProvider)
    import boto3

    monkeypatch.setenv("AWS_ENDPOINT_URL", "")
    session = boto3.session.Session(
        aws_access_key_id="id", aws_secret_access_key="secret", region_name="us-east-1"
    )
    assert session.client("sqs").meta.endpoint_url == "https://sqs.us-east-1.amazonaws.com"
