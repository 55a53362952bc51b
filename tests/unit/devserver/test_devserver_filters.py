"""Lambda's filter-pattern syntax, on Lambda-shaped DynamoDB stream records."""

from __future__ import annotations

import json

import pytest

from devserver.filters import matches_any, parse_filter_criteria


def record(event_name="INSERT", **image):
    new_image = {}
    for name, value in image.items():
        new_image[name] = {"N": str(value)} if isinstance(value, int) else {"S": value}
    return {
        "eventName": event_name,
        "eventSource": "aws:dynamodb",
        "dynamodb": {"NewImage": new_image},
    }


def criteria(*patterns):
    return parse_filter_criteria({"Filters": [{"Pattern": json.dumps(p)} for p in patterns]})


def image(**fields):
    return {"dynamodb": {"NewImage": fields}}


@pytest.mark.parametrize(
    ("pattern", "matching", "not_matching"),
    [
        (  # the slice's pattern: INSERTs of one category
            {"eventName": ["INSERT"], **image(category={"S": ["identity:command"]})},
            record(category="identity:command"),
            record("MODIFY", category="identity:command"),
        ),
        (image(category={"S": ["a", "b"]}), record(category="b"), record(category="c")),
        (
            image(type={"S": [{"prefix": "Video"}]}),
            record(type="VideoViewed"),
            record(type="Viewed"),
        ),
        (image(type={"S": [{"suffix": "ed"}]}), record(type="Viewed"), record(type="View")),
        (
            image(type={"S": [{"equals-ignore-case": "viewed"}]}),
            record(type="VIEWED"),
            record(type="viewer"),
        ),
        (image(type={"S": [{"anything-but": ["A", "B"]}]}), record(type="C"), record(type="A")),
        (
            image(type={"S": [{"anything-but": {"prefix": "x"}}]}),
            record(type="y1"),
            record(type="x1"),
        ),
        (image(n={"N": [{"numeric": [">", 0, "<=", 5]}]}), record(n=5), record(n=6)),
        (image(n={"N": [{"numeric": ["=", 3]}]}), record(n=3), record(n=4)),
        (image(type={"S": [{"exists": True}]}), record(type="x"), record(other="x")),
        (image(type=[{"exists": False}]), record(other="x"), record(type="x")),
        (image(type={"S": [""]}), record(type=""), record(type="x")),
    ],
)
def test_a_pattern_matches_what_lambda_would_and_nothing_else(pattern, matching, not_matching):
    filters = criteria(pattern)
    assert matches_any(filters, matching)
    assert not matches_any(filters, not_matching)


def test_several_filters_are_alternatives_and_no_filter_lets_everything_through():
    filters = criteria(image(a={"S": ["1"]}), image(b={"S": ["2"]}))
    assert matches_any(filters, record(a="1"))
    assert matches_any(filters, record(b="2"))
    assert not matches_any(filters, record(a="2"))
    assert matches_any((), record())


def test_an_array_in_the_record_matches_when_any_element_does():
    filters = criteria({"tags": ["x"]})
    assert matches_any(filters, {"tags": ["w", "x"]})
    assert not matches_any(filters, {"tags": ["w"]})


def test_null_matches_a_null_value_only():
    filters = criteria({"userId": [None]})
    assert matches_any(filters, {"userId": None})
    assert not matches_any(filters, {"other": 1})


@pytest.mark.parametrize(
    ("criteria_value", "message"),
    [
        ({"Filters": [{"Pattern": "{not json"}]}, "not JSON"),
        ({"Filters": [{"Pattern": '{"a": "x"}'}]}, "leaves must be arrays"),
        ({"Filters": [{"Pattern": '{"a": []}'}]}, "empty array"),
        ({"Filters": [{"Pattern": '{"a": [{"wildcard": "x*"}]}'}]}, "unknown operator"),
        ({"Filters": [{"Pattern": '{"a": [{"numeric": [">", "x"]}]}'}]}, "numeric"),
        ({"Filters": [{"Pattern": '{"a": [1]}'}] * 6}, "at most 5"),
        ({"Pattern": "{}"}, "Filters"),
    ],
)
def test_an_invalid_pattern_is_refused_at_start_with_the_reason(criteria_value, message):
    with pytest.raises(ValueError, match=message):
        parse_filter_criteria(criteria_value)


def test_a_mapping_whose_filter_lambda_would_refuse_fails_the_start_naming_it():
    from devserver.mappings import compile_filters
    from devserver.template import TemplateError
    from devserver.template.event_sources import StreamSource

    mapping = StreamSource(
        name="One/Commands",
        function_id="One",
        source_arn="arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/1",
        batch_size=10,
        table_id="Table",
        starting_position="LATEST",
        filter_criteria={"Filters": [{"Pattern": "{"}]},
    )

    with pytest.raises(TemplateError, match=r"One/Commands: FilterCriteria: filter 0"):
        compile_filters(mapping)
