"""The REST API: routing, events and responses as API Gateway makes them."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import pytest
import requests


def get(sample, path, **kwargs):
    return requests.get(f"{sample.server.api_url}{path}", timeout=15, **kwargs)


def event_of(response):
    assert response.status_code == 200, response.text
    return response.json()["event"]


def test_a_path_parameter_is_decoded_and_the_path_kept_as_sent(sample):
    event = event_of(get(sample, "/items/a%20b%2Bc"))
    assert event["resource"] == "/items/{itemId}"
    assert event["path"] == "/items/a%20b%2Bc"
    assert event["pathParameters"] == {"itemId": "a b+c"}
    assert event["requestContext"]["resourcePath"] == "/items/{itemId}"
    # served at the root like a custom domain: the client's path has no stage in it, so an
    # application deriving its base path from requestContext.path links to the right place
    assert event["requestContext"]["path"] == "/items/a%20b%2Bc"
    assert event["requestContext"]["stage"] == "Prod"


def test_several_path_parameters_on_one_resource(sample):
    response = requests.post(f"{sample.server.api_url}/items/7/notes/9", timeout=15)
    event = event_of(response)
    assert event["pathParameters"] == {"itemId": "7", "noteId": "9"}
    assert event["httpMethod"] == "POST"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/nowhere"),
        ("GET", "/items/7/notes/9"),  # the resource exists, the method does not
        ("GET", "/app"),  # {proxy+} needs a segment; /app itself has no method
        ("DELETE", "/"),
        ("GET", "/items//notes/9"),
    ],
)
def test_what_the_api_does_not_define_gets_api_gateways_403(sample, method, path):
    response = requests.request(method, f"{sample.server.api_url}{path}", timeout=15)
    assert response.status_code == 403
    assert response.json() == {"message": "Missing Authentication Token"}
    assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_inside_a_greedy_path_the_application_answers_its_own_404(sample):
    response = get(sample, "/app/no/such/page")
    assert response.status_code == 404
    assert response.json() == {"message": "the application has no page /app/no/such/page"}


def test_query_strings_single_and_multi_valued_decoded_as_api_gateway_does(sample):
    event = event_of(get(sample, "/items/1?a=1&a=2&b=x+y&c=%2B&flag"))
    assert event["queryStringParameters"] == {"a": "2", "b": "x y", "c": "+", "flag": ""}
    assert event["multiValueQueryStringParameters"] == {
        "a": ["1", "2"],
        "b": ["x y"],
        "c": ["+"],
        "flag": [""],
    }


def test_absent_parts_of_a_request_are_null(sample):
    event = event_of(get(sample, "/"))
    for key in (
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "pathParameters",
        "stageVariables",
        "body",
    ):
        assert event[key] is None, key
    assert event["isBase64Encoded"] is False


def test_repeated_headers_and_cookies_reach_the_function(sample):
    url = urlsplit(sample.server.api_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=15)
    connection.putrequest("GET", "/items/1")
    connection.putheader("X-Custom", "one")
    connection.putheader("X-Custom", "two")
    connection.putheader("Cookie", "session=abc; theme=dark")
    connection.endheaders()
    event = event_of_raw(connection.getresponse())
    assert event["headers"]["X-Custom"] == "two"
    assert event["multiValueHeaders"]["X-Custom"] == ["one", "two"]
    assert event["headers"]["Cookie"] == "session=abc; theme=dark"


def event_of_raw(response):
    import json

    assert response.status == 200
    return json.loads(response.read())["event"]


def test_a_text_body_arrives_as_text(sample):
    response = requests.put(
        f"{sample.server.api_url}/items/1",
        data="name=Ada&role=admin",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=15,
    )
    event = event_of(response)
    assert event["body"] == "name=Ada&role=admin"
    assert event["isBase64Encoded"] is False


def test_the_request_context_names_the_request(sample):
    response = get(sample, "/items/1", headers={"User-Agent": "pytest"})
    context = event_of(response)["requestContext"]
    assert context["requestId"] == response.headers["x-amzn-RequestId"]
    assert context["httpMethod"] == "GET"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"] == "pytest"
    assert isinstance(context["requestTimeEpoch"], int)
    other = event_of(get(sample, "/items/1"))["requestContext"]
    assert other["requestId"] != context["requestId"]


def test_multi_value_headers_make_several_set_cookie_headers(sample):
    response = get(sample, "/app/cookies", allow_redirects=False)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert response.raw.headers.getlist("Set-Cookie") == [
        "first=1; HttpOnly",
        "second=2; Path=/",
        "third=3",
    ]


def test_a_base64_body_stays_text_unless_the_api_has_binary_media_types(sample):
    # API Gateway converts only when the request's Accept matches BinaryMediaTypes (none here)
    response = get(sample, "/app/binary", headers={"Accept": "image/png"})
    assert response.status_code == 200
    assert response.content != bytes(range(256))


def test_a_handler_that_raises_gets_a_502_and_fails_that_request_only(sample):
    response = get(sample, "/app/raise")
    assert response.status_code == 502
    assert response.json() == {"message": "Internal server error"}
    assert get(sample, "/items/1").status_code == 200


def test_a_malformed_proxy_response_is_a_502(sample):
    response = get(sample, "/app/malformed")
    assert response.status_code == 502
    assert response.json() == {"message": "Internal server error"}


def test_a_head_request_gets_headers_and_no_body(sample):
    response = requests.head(f"{sample.server.api_url}/items/1", timeout=15)
    assert response.status_code == 200
    assert response.content == b""
    assert int(response.headers["Content-Length"]) > 0
