"""What an operator watches and what a deploy must be given, as template.yaml declares them.

- The alarms watch every consumer of their topology (a consumer added without its alarm
  metrics fails here), within CloudWatch's ten metrics per alarm.
- The dashboard's body is valid JSON in both topologies and shows every alarm in force.
- The ``Rules`` refuse the local ``SiteUrl``/``EmailSender`` defaults outside ``Stage=local``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from devserver.template import (
    Intrinsics,
    evaluate_conditions,
    load_template,
    parameter_values,
    pseudo_parameters,
)
from message_store import observability
from video_tutorials import consumers

TEMPLATE = load_template()
RESOURCES = TEMPLATE["Resources"]
CONSUMERS = list(consumers.all_consumers().values())
TOPOLOGIES = ("Streams", "Queues")


def alarms_in(topology: str) -> dict[str, dict]:
    conditions = evaluate_conditions(
        TEMPLATE, parameter_values(TEMPLATE, {"ConsumerDelivery": topology})
    )
    return {
        logical_id: resource
        for logical_id, resource in RESOURCES.items()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
        and conditions.get(resource.get("Condition", ""), "Condition" not in resource)
    }


def watched_dimensions(alarm: dict) -> list[Any]:
    """The dimension values an alarm's metrics (or its one metric) watch."""
    properties = alarm["Properties"]
    if "Metrics" not in properties:
        return [d["Value"] for d in properties["Dimensions"]]
    values = []
    for query in properties["Metrics"]:
        if "MetricStat" in query:
            values += [d["Value"] for d in query["MetricStat"]["Metric"]["Dimensions"]]
    return values


def service_of(logical_id: str) -> str:
    return RESOURCES[logical_id]["Properties"]["Environment"]["Variables"][
        "POWERTOOLS_SERVICE_NAME"
    ]


def test_the_streams_alarm_watches_every_consumers_iterator_age():
    alarm = alarms_in("Streams")["ConsumersBehindAlarm"]
    watched = {value["Ref"] for value in watched_dimensions(alarm)}
    assert watched == {consumers.function_id(c) for c in CONSUMERS}


def test_the_queues_alarms_watch_every_consumers_queue_and_dead_letters():
    alarms = alarms_in("Queues")
    behind = {v["Fn::GetAtt"][0] for v in watched_dimensions(alarms["ConsumerQueuesBehindAlarm"])}
    assert behind == {consumers.queue_id(c) for c in CONSUMERS}
    dead = {v["Fn::GetAtt"][0] for v in watched_dimensions(alarms["ConsumerQueuesDeadLetterAlarm"])}
    assert dead == {consumers.dead_letter_queue_id(c) for c in CONSUMERS}
    assert watched_dimensions(alarms["RelayBehindAlarm"]) == [{"Ref": "RelayFunction"}]


def test_a_home_page_rollup_that_falls_behind_raises_the_alarm():
    alarm = RESOURCES["HomePageRollupBehindAlarm"]
    assert "Condition" not in alarm  # both topologies
    assert alarm["Properties"]["MetricName"] == "IteratorAge"
    assert watched_dimensions(alarm) == [{"Ref": "HomePageRollupFunction"}]


def test_invalid_messages_of_every_consumer_raise_the_alarm():
    alarm = RESOURCES["InvalidMessagesAlarm"]
    assert "Condition" not in alarm  # both topologies
    assert set(watched_dimensions(alarm)) == {
        service_of(consumers.function_id(c)) for c in CONSUMERS
    }
    metrics = {
        q["MetricStat"]["Metric"]["MetricName"]
        for q in alarm["Properties"]["Metrics"]
        if "MetricStat" in q
    }
    assert metrics == {observability.INVALID_MESSAGES}
    relay = RESOURCES["RelayInvalidRecordsAlarm"]["Properties"]
    assert relay["MetricName"] == observability.INVALID_MESSAGES
    assert watched_dimensions(RESOURCES["RelayInvalidRecordsAlarm"]) == [
        service_of("RelayFunction")
    ]


@pytest.mark.parametrize("topology", TOPOLOGIES)
def test_every_topology_watches_what_stops_or_breaks(topology):
    alarms = alarms_in(topology)
    common = {
        "ApiServerErrorsAlarm",
        "InvalidMessagesAlarm",
        "ConsumerDeadLetterAlarm",
        "HomePageRollupBehindAlarm",
    }
    specific = (
        {"ConsumersBehindAlarm"}
        if topology == "Streams"
        else {
            "ConsumerQueuesBehindAlarm",
            "RelayBehindAlarm",
            "ConsumerQueuesDeadLetterAlarm",
            "RelayInvalidRecordsAlarm",
        }
    )
    assert set(alarms) == common | specific
    for logical_id, alarm in alarms.items():
        properties = alarm["Properties"]
        assert properties["TreatMissingData"] == "notBreaching", logical_id
        assert properties["AlarmActions"]["Fn::If"][0] == "HasAlarmTopic", logical_id
        queries = properties.get("Metrics") or []
        assert len(queries) <= 10, f"{logical_id}: CloudWatch allows 10 metrics in an alarm"
        expressions = [q["Expression"] for q in queries if "Expression" in q]
        for query in queries:
            if "MetricStat" in query:  # every metric is part of what the alarm watches
                assert any(query["Id"] in expression for expression in expressions), logical_id


def test_api_errors_are_the_stacks_api_5xx():
    properties = RESOURCES["ApiServerErrorsAlarm"]["Properties"]
    assert (properties["Namespace"], properties["MetricName"]) == ("AWS/ApiGateway", "5XXError")
    assert properties["Dimensions"] == [{"Name": "ApiName", "Value": {"Ref": "AWS::StackName"}}]


def render(value: Any, topology: str) -> Any:
    """A template value as CloudFormation would make it, placeholders for what AWS names."""
    parameters = parameter_values(TEMPLATE, {"ConsumerDelivery": topology})
    refs = {
        **parameters,
        **pseudo_parameters("us-east-1", "123456789012", "video-tutorials"),
        **{logical_id: f"{logical_id}-id" for logical_id in RESOURCES},
    }
    attributes = {
        (logical_id, attribute): f"{logical_id}-{attribute}"
        for logical_id in RESOURCES
        for attribute in ("Arn", "QueueName")
    }
    conditions = evaluate_conditions(TEMPLATE, refs)
    return Intrinsics(refs=refs, attributes=attributes, conditions=conditions).resolve(value)


@pytest.mark.parametrize("topology", TOPOLOGIES)
def test_the_dashboard_is_valid_json_showing_every_alarm(topology):
    body = json.loads(
        render(RESOURCES["OperationsDashboard"]["Properties"]["DashboardBody"], topology)
    )
    widgets = body["widgets"]
    [alarm_widget] = [w for w in widgets if w["type"] == "alarm"]
    assert set(alarm_widget["properties"]["alarms"]) == {f"{a}-Arn" for a in alarms_in(topology)}
    titles = " ".join(w["properties"].get("title", "") for w in widgets)
    for watched in ("Messages handled", "Lag", "invalid", "Log-ins", "API", "Dead letters"):
        assert watched in titles
    metrics = json.dumps([w["properties"].get("metrics") for w in widgets if w["type"] == "metric"])
    for name in (
        observability.MESSAGES_HANDLED,
        observability.LAG,
        observability.INVALID_MESSAGES,
        observability.FAILED_MESSAGES,
        observability.LOGIN_FAILURES,
    ):
        assert name in metrics
    if topology == "Queues":
        assert "RelayFunction-id" in metrics
        assert all(f"{consumers.queue_id(c)}-QueueName" in metrics for c in CONSUMERS)
    else:
        assert "RelayFunction-id" not in metrics
        assert all(f"{consumers.function_id(c)}-id" in metrics for c in CONSUMERS)


# -- Rules: what a deployed stage must be given ---------------------------------------------


def evaluate_rule_function(value: Any, parameters: dict[str, str]) -> Any:
    """CloudFormation's rule functions this template uses (Not, Equals, Contains, Ref)."""
    if isinstance(value, list):
        return [evaluate_rule_function(item, parameters) for item in value]
    if not isinstance(value, dict):
        return value
    ((name, argument),) = value.items()
    if name == "Ref":
        return parameters[argument]
    arguments = evaluate_rule_function(argument, parameters)
    if name == "Fn::Not":
        return not arguments[0]
    if name == "Fn::Equals":
        return arguments[0] == arguments[1]
    if name == "Fn::Contains":
        return arguments[1] in arguments[0]
    raise AssertionError(f"a rule function this test does not know: {name}")


def refused(overrides: dict[str, str]) -> list[str]:
    """The assertion descriptions of the rules that refuse these parameters."""
    parameters = parameter_values(TEMPLATE, overrides)
    descriptions = []
    for rule in TEMPLATE["Rules"].values():
        if evaluate_rule_function(rule.get("RuleCondition", True), parameters):
            for assertion in rule["Assertions"]:
                if not evaluate_rule_function(assertion["Assert"], parameters):
                    descriptions.append(assertion["AssertDescription"])
    return descriptions


def test_a_deployed_stage_without_its_site_and_sender_is_refused_with_a_clear_message():
    messages = refused({"Stage": "prod"})
    assert len(messages) == 2
    assert messages[0].startswith("SiteUrl is required outside Stage=local")
    assert messages[1].startswith("EmailSender is required outside Stage=local")
    assert len(refused({"Stage": "prod", "SiteUrl": "http://localhost:3000"})) == 2


def test_a_deployed_stage_with_its_site_and_sender_passes():
    given = {
        "Stage": "prod",
        "SiteUrl": "https://videos.example.com",
        "EmailSender": "no-reply@example.com",
    }
    assert refused(given) == []


def test_the_local_stage_keeps_its_defaults():
    assert refused({"Stage": "local"}) == []


def test_the_site_url_pattern_refuses_what_is_not_an_address():
    from devserver.template import TemplateError

    with pytest.raises(TemplateError, match="does not match"):
        parameter_values(TEMPLATE, {"SiteUrl": "videos.example.com"})
    with pytest.raises(TemplateError, match="does not match"):
        parameter_values(TEMPLATE, {"EmailSender": "nobody"})
