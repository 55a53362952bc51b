"""Reading the template: globals, intrinsics, events, and what is reported as unsupported."""

from __future__ import annotations

from pathlib import Path

import pytest

from devserver.report import Report
from devserver.template import (
    Intrinsics,
    TemplateError,
    evaluate_conditions,
    load_template,
    parameter_values,
)
from devserver.template.apis import IMPLICIT_API
from devserver.template.application import ApplicationLoader
from devserver.template.sam_globals import merge_globals

STREAM_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026-01-01T00:00:00.000"


@pytest.fixture
def code(tmp_path):
    (tmp_path / "functions" / "one").mkdir(parents=True)
    (tmp_path / "layers" / "lib").mkdir(parents=True)
    return tmp_path


def a_template(functions, globals_section=None, extra=None):
    resources = {
        "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
        "Lib": {
            "Type": "AWS::Serverless::LayerVersion",
            "Properties": {"ContentUri": "layers/lib/"},
            "Metadata": {"BuildMethod": "python3.13"},
        },
        **functions,
        **(extra or {}),
    }
    return {"Globals": globals_section or {}, "Resources": resources}


def a_function(**properties):
    return {
        "Type": "AWS::Serverless::Function",
        "Properties": {
            "CodeUri": "functions/one/",
            "Handler": "app.lambda_handler",
            "Runtime": "python3.13",
            **properties,
        },
    }


def load(template, directory, report=None):
    intrinsics = Intrinsics(
        refs={"Table": "local-Table", "Stage": "local", "Lib": "arn:layer"},
        attributes={("Table", "StreamArn"): STREAM_ARN, ("Table", "Arn"): "arn:table"},
    )
    return ApplicationLoader(template, directory, intrinsics, report or Report()).load()


def test_globals_merge_as_sam_merges_them(code):
    template = a_template(
        {
            "One": a_function(
                Timeout=9,
                Layers=[{"Ref": "Lib"}],
                Environment={"Variables": {"TABLE": "mine", "OWN": "x"}},
            )
        },
        {
            "Function": {
                "Timeout": 3,
                "MemorySize": 512,
                "Environment": {
                    "Variables": {"TABLE": {"Ref": "Table"}, "STAGE": {"Ref": "Stage"}}
                },
            }
        },
    )

    spec = load(template, code).functions["One"]

    assert spec.timeout == 9  # scalars: the function's own wins
    assert spec.memory == 512  # from Globals
    assert dict(spec.environment) == {"TABLE": "mine", "STAGE": "local", "OWN": "x"}  # maps merged
    assert spec.layer_dirs == ((code / "layers" / "lib").resolve(),)
    assert spec.code_dir == (code / "functions" / "one").resolve()


def test_lists_from_globals_come_first():
    assert merge_globals([1, 2], [3]) == [1, 2, 3]
    assert merge_globals({"a": {"b": 1}}, {"a": {"c": 2}}) == {"a": {"b": 1, "c": 2}}
    assert merge_globals({"Ref": "X"}, {"Ref": "Y"}) == {"Ref": "Y"}  # intrinsics are values


def test_api_events_become_routes_on_the_implicit_api(code):
    template = a_template(
        {
            "One": a_function(
                Events={
                    "Root": {"Type": "Api", "Properties": {"Path": "/", "Method": "get"}},
                    "Proxy": {
                        "Type": "Api",
                        "Properties": {"Path": "/register/{proxy+}", "Method": "ANY"},
                    },
                }
            )
        }
    )

    application = load(template, code)

    assert [(r.method, r.path, r.api_id) for r in application.routes] == [
        ("GET", "/", IMPLICIT_API),
        ("ANY", "/register/{proxy+}", IMPLICIT_API),
    ]
    assert application.apis[IMPLICIT_API].stage_name == "Prod"


def test_a_dynamodb_event_becomes_a_stream_source_with_its_mapping_settings(code):
    pattern = '{"eventName": ["INSERT"]}'
    template = a_template(
        {
            "One": a_function(
                Events={
                    "Commands": {
                        "Type": "DynamoDB",
                        "Properties": {
                            "Stream": {"Fn::GetAtt": ["Table", "StreamArn"]},
                            "StartingPosition": "TRIM_HORIZON",
                            "BatchSize": 10,
                            "MaximumBatchingWindowInSeconds": 1,
                            "FunctionResponseTypes": ["ReportBatchItemFailures"],
                            "BisectBatchOnFunctionError": True,
                            "MaximumRetryAttempts": 3,
                            "MaximumRecordAgeInSeconds": 3600,
                            "ParallelizationFactor": 1,
                            "DestinationConfig": {
                                "OnFailure": {"Destination": "arn:aws:sqs:us-east-1:1:dlq"}
                            },
                            "FilterCriteria": {"Filters": [{"Pattern": pattern}]},
                        },
                    }
                }
            )
        }
    )

    [source] = load(template, code).mappings

    assert source.name == "One/Commands"
    assert source.function_id == "One"
    assert source.stream_arn == STREAM_ARN
    assert source.table_id == "Table"
    assert (source.batch_size, source.batching_window) == (10, 1.0)
    assert source.report_item_failures
    assert source.bisect_on_error
    assert (source.max_retries, source.max_record_age) == (3, 3600)
    assert source.on_failure == "arn:aws:sqs:us-east-1:1:dlq"
    assert source.filter_criteria == {"Filters": [{"Pattern": pattern}]}


@pytest.mark.parametrize(
    ("properties", "message"),
    [
        ({"StartingPosition": "AT_TIMESTAMP"}, "StartingPosition"),
        ({"BatchSize": 0}, "BatchSize"),
        ({"MaximumRecordAgeInSeconds": 30}, "MaximumRecordAgeInSeconds"),
        ({"MaximumRetryAttempts": -2}, "MaximumRetryAttempts"),
        ({"FunctionResponseTypes": ["Everything"]}, "FunctionResponseTypes"),
    ],
)
def test_a_mapping_setting_lambda_would_refuse_is_refused_at_start(code, properties, message):
    event = {
        "Type": "DynamoDB",
        "Properties": {
            "Stream": {"Fn::GetAtt": ["Table", "StreamArn"]},
            "StartingPosition": "LATEST",
            **properties,
        },
    }
    template = a_template({"One": a_function(Events={"E": event})})
    with pytest.raises(TemplateError, match=message):
        load(template, code)


def test_what_does_not_run_locally_is_reported_by_name_and_iam_is_a_silent_no_op(code):
    report = Report()
    template = a_template(
        {
            "One": a_function(
                Policies=[{"DynamoDBCrudPolicy": {"TableName": {"Ref": "Table"}}}],
                Tracing="Active",
                FunctionUrlConfig={"AuthType": "NONE"},
                Events={
                    "Queue": {"Type": "SQS", "Properties": {"Queue": "arn:aws:sqs:::q"}},
                    "Page": {
                        "Type": "Api",
                        "Properties": {
                            "Path": "/x",
                            "Method": "get",
                            "Auth": {"ApiKeyRequired": True},
                        },
                    },
                    "Stream": {
                        "Type": "DynamoDB",
                        "Properties": {
                            "Stream": {"Fn::GetAtt": ["Table", "StreamArn"]},
                            "StartingPosition": "LATEST",
                            "TumblingWindowInSeconds": 30,
                            "ParallelizationFactor": 2,
                        },
                    },
                },
            )
        }
    )

    load(template, code, report)

    messages = [str(notice) for notice in report.notices]
    assert any("One" in m and "FunctionUrlConfig" in m for m in messages)
    assert any("Events.Queue" in m and "SQS" in m for m in messages)
    assert any("Events.Page" in m and "Auth" in m for m in messages)
    assert any("TumblingWindowInSeconds" in m for m in messages)
    assert any("ParallelizationFactor 2" in m for m in messages)
    assert not any("Policies" in m or "Tracing" in m for m in messages)


@pytest.mark.parametrize(
    ("events", "message"),
    [
        (
            {
                "A": {"Type": "Api", "Properties": {"Path": "/x", "Method": "get"}},
                "B": {"Type": "Api", "Properties": {"Path": "/x", "Method": "get"}},
            },
            "defined twice",
        ),
        ({"A": {"Type": "Api", "Properties": {"Path": "/{p+}/x", "Method": "get"}}}, "greedy"),
        ({"A": {"Type": "Api", "Properties": {"Path": "/x", "Method": "fetch"}}}, "method"),
    ],
)
def test_routes_api_gateway_would_refuse_are_refused(code, events, message):
    with pytest.raises(TemplateError, match=message):
        load(a_template({"One": a_function(Events=events)}), code)


def test_a_function_whose_code_folder_is_missing_is_refused(code):
    with pytest.raises(TemplateError, match="CodeUri"):
        load(a_template({"One": a_function(CodeUri="functions/missing/")}), code)


def test_parameters_take_overrides_and_check_allowed_values():
    template = {
        "Parameters": {
            "Stage": {"Type": "String", "Default": "dev", "AllowedPattern": "^[a-z]+$"},
            "Size": {"Type": "Number", "Default": 4},
            "Level": {"Type": "String", "Default": "INFO", "AllowedValues": ["INFO", "DEBUG"]},
        },
        "Resources": {},
    }
    assert parameter_values(template, {"Stage": "local"}) == {
        "Stage": "local",
        "Size": "4",
        "Level": "INFO",
    }
    with pytest.raises(TemplateError, match="Level"):
        parameter_values(template, {"Level": "LOUD"})
    with pytest.raises(TemplateError, match="Nope"):
        parameter_values(template, {"Nope": "x"})


def test_conditions_are_evaluated_and_may_use_one_another():
    template = {
        "Conditions": {
            "IsLocal": {"Fn::Equals": [{"Ref": "Stage"}, "local"]},
            "IsRemote": {"Fn::Not": [{"Condition": "IsLocal"}]},
        }
    }
    assert evaluate_conditions(template, {"Stage": "local"}) == {"IsLocal": True, "IsRemote": False}


def test_the_projects_template_loads():
    template = load_template()
    assert "MessageStoreTable" in template["Resources"]


def test_a_layer_built_by_sam_goes_on_the_path_as_it_is(code):
    spec = load(a_template({"One": a_function(Layers=[{"Ref": "Lib"}])}), code).functions["One"]
    assert spec.layer_dirs[0].name == "lib"
    assert Path(spec.layer_dirs[0]).is_dir()
