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


QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:orders.fifo"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:One"


def load(template, directory, report=None, conditions=None):
    intrinsics = Intrinsics(
        refs={"Table": "local-Table", "Stage": "local", "Lib": "arn:layer", "One": "One"},
        attributes={
            ("Table", "StreamArn"): STREAM_ARN,
            ("Table", "Arn"): "arn:table",
            ("Orders", "Arn"): QUEUE_ARN,
            ("Jobs", "Arn"): "arn:aws:sqs:us-east-1:123456789012:jobs",
            ("One", "Arn"): FUNCTION_ARN,
        },
    )
    loader = ApplicationLoader(
        template, directory, intrinsics, report or Report(), conditions=conditions
    )
    return loader.load()


def a_mapping(condition=None, **properties):
    resource = {"Type": "AWS::Lambda::EventSourceMapping", "Properties": properties}
    if condition:
        resource["Condition"] = condition
    return resource


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
                    "Nightly": {"Type": "Schedule", "Properties": {"Schedule": "rate(1 day)"}},
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
    assert any("Events.Nightly" in m and "Schedule" in m for m in messages)
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


@pytest.mark.parametrize(
    "function_name",
    [
        {"Ref": "One"},
        {"Fn::GetAtt": ["One", "Arn"]},
        "One",
        FUNCTION_ARN,
        "123456789012:function:One",
    ],
)
def test_a_mapping_resource_names_its_function_as_lambda_accepts_it(code, function_name):
    template = a_template(
        {"One": a_function()},
        extra={
            "OnTheStream": a_mapping(
                FunctionName=function_name,
                EventSourceArn={"Fn::GetAtt": ["Table", "StreamArn"]},
                StartingPosition="TRIM_HORIZON",
                BisectBatchOnFunctionError=True,
            ),
            "OnTheQueue": a_mapping(
                FunctionName=function_name,
                EventSourceArn={"Fn::GetAtt": ["Orders", "Arn"]},
                FunctionResponseTypes=["ReportBatchItemFailures"],
                ScalingConfig={"MaximumConcurrency": 5},
            ),
        },
    )

    stream, queue = load(template, code).mappings

    assert (stream.name, stream.function_id, stream.table_id) == ("OnTheStream", "One", "Table")
    assert stream.bisect_on_error
    assert (queue.name, queue.function_id, queue.queue_id) == ("OnTheQueue", "One", "Orders")
    assert queue.fifo
    assert queue.report_item_failures
    assert (queue.batch_size, queue.maximum_concurrency) == (10, 5)


def test_a_mapping_resource_whose_condition_is_false_is_left_out(code):
    template = a_template(
        {"One": a_function()},
        extra={
            "ByStreams": a_mapping(
                "Streams",
                FunctionName={"Ref": "One"},
                EventSourceArn={"Fn::GetAtt": ["Table", "StreamArn"]},
                StartingPosition="LATEST",
            ),
            "ByQueues": a_mapping(
                "Queues",
                FunctionName={"Ref": "One"},
                EventSourceArn={"Fn::GetAtt": ["Orders", "Arn"]},
            ),
        },
    )

    mappings = load(template, code, conditions={"Streams": False, "Queues": True}).mappings

    assert [m.name for m in mappings] == ["ByQueues"]


def test_an_sqs_event_becomes_a_queue_mapping_named_after_its_event(code):
    event = {
        "Type": "SQS",
        "Properties": {
            "Queue": {"Fn::GetAtt": ["Jobs", "Arn"]},
            "BatchSize": 50,
            "MaximumBatchingWindowInSeconds": 2,
            "FilterCriteria": {"Filters": [{"Pattern": '{"body": {"kind": ["job"]}}'}]},
            "Enabled": False,
        },
    }

    [queue] = load(a_template({"One": a_function(Events={"Jobs": event})}), code).mappings

    assert (queue.name, queue.queue_id, queue.fifo) == ("One/Jobs", "Jobs", False)
    assert (queue.batch_size, queue.batching_window, queue.enabled) == (50, 2.0, False)
    assert queue.describe() == "batch 50, window 2s, 1 filter"


@pytest.mark.parametrize(
    ("queue", "properties", "message"),
    [
        ("Orders", {"MaximumBatchingWindowInSeconds": 1}, "not for FIFO queues"),
        ("Orders", {"BatchSize": 11}, "BatchSize 11 is outside 1..10"),
        ("Jobs", {"BatchSize": 11}, "needs MaximumBatchingWindowInSeconds"),
        ("Jobs", {"StartingPosition": "LATEST"}, "for streams, not queues"),
        ("Jobs", {"MaximumRetryAttempts": 2}, "for streams, not queues"),
        ("Jobs", {"ScalingConfig": {"MaximumConcurrency": 1}}, "MaximumConcurrency 1"),
    ],
)
def test_a_queue_mapping_lambda_would_refuse_is_refused(code, queue, properties, message):
    event = {"Type": "SQS", "Properties": {"Queue": {"Fn::GetAtt": [queue, "Arn"]}, **properties}}
    with pytest.raises(TemplateError, match=message):
        load(a_template({"One": a_function(Events={"E": event})}), code)


@pytest.mark.parametrize(
    ("properties", "message"),
    [
        ({"FunctionName": "Nobody"}, "FunctionName 'Nobody' is not a function"),
        ({"EventSourceArn": "arn:aws:kinesis:us-east-1:1:stream/s"}, "only DynamoDB streams"),
    ],
)
def test_a_mapping_resource_on_what_does_not_run_here_is_refused(code, properties, message):
    mapping = a_mapping(
        **{"FunctionName": {"Ref": "One"}, "EventSourceArn": QUEUE_ARN, **properties}
    )
    with pytest.raises(TemplateError, match=message):
        load(a_template({"One": a_function()}, extra={"M": mapping}), code)
