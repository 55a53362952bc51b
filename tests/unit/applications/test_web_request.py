"""The request: its base path (the stage in the URL), headers, cookies, body."""

from __future__ import annotations

import base64

import pytest

from tests.support.factories import an_api_request
from webglue import WebRequest, base_path_of, parse_cookies, single_value_headers


@pytest.mark.parametrize(
    ("path", "context_path", "stage", "expected"),
    [
        ("/register", "/Prod/register", "Prod", "/Prod"),
        ("/", "/Prod/", "Prod", "/Prod"),
        ("/", "/Prod", "Prod", "/Prod"),
        ("/register", "/register", "Prod", ""),  # custom domain, no base path mapping
        ("/register", "/videos/register", "Prod", "/videos"),  # custom domain with a mapping
        ("/register", None, "Prod", ""),
        ("/a b", "/Prod/a%20b", "Prod", "/Prod"),  # encodings differ: the stage decides
        ("/register", "//evil.com/register", "Prod", ""),
        ("/register", "/<script>/register", "Prod", ""),
    ],
)
def test_the_base_path_is_what_the_url_has_in_front_of_the_path(
    path, context_path, stage, expected
):
    event = {"path": path, "requestContext": {"path": context_path, "stage": stage}}

    assert base_path_of(event) == expected


def test_links_carry_the_base_path():
    request = WebRequest(trace_id="t", method="GET", path="/", base_path="/Prod")

    assert request.url("/register") == "/Prod/register"
    assert request.url("/") == "/Prod/"
    assert WebRequest(trace_id="t", method="GET", path="/").url("/") == "/"
    with pytest.raises(ValueError, match="local path"):
        request.url("https://evil.com")


def test_headers_are_case_insensitive_and_missing_ones_are_fine():
    assert single_value_headers({"headers": None, "multiValueHeaders": None}) == {}
    assert single_value_headers(
        {"headers": {"Origin": "https://a"}, "multiValueHeaders": {"HOST": ["h"]}}
    ) == {"origin": "https://a", "host": "h"}


def test_cookies_are_read_leniently_first_one_wins():
    assert parse_cookies('a=1; b="2"; junk; =x; a=3; c=') == {"a": "1", "b": "2", "c": ""}
    assert parse_cookies(None) == {}


def test_a_base64_body_is_decoded_and_an_invalid_one_refused():
    encoded = base64.b64encode(b"email=a%40b.c").decode()
    event = an_api_request("POST", "/register", body=encoded)
    event["isBase64Encoded"] = True

    request = WebRequest.from_event(event, trace_id="t")

    assert request.body_bytes() == b"email=a%40b.c"
    event["body"] = "!!!not base64!!!"
    with pytest.raises(ValueError, match="base64"):
        WebRequest.from_event(event, trace_id="t").body_bytes()


def test_the_metadata_of_an_anonymous_request_has_its_trace_and_no_user():
    request = WebRequest(trace_id="trace-1", method="POST", path="/")

    assert request.metadata().to_json() == {"traceId": "trace-1"}
