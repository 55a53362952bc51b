"""API Gateway's routing and its Lambda proxy responses, without a network or AWS."""

from __future__ import annotations

import base64
import json

import pytest

from devserver.console import Console
from devserver.gateway import Gateway, Router
from devserver.runtime import FunctionError, InvocationResult
from devserver.template import TemplateError
from devserver.template.apis import ApiRoute, RestApi


def route(path, method="ANY", function="Fn"):
    return ApiRoute(function, "E", "Api", path, method)


class FakeRuntime:
    """Answers every invocation with a fixed result, and remembers the events."""

    def __init__(self, value=None, error=None):
        self.value = value
        self.error = error
        self.events = []

    def invoke(self, function_id, event, **_chaos):
        self.events.append(event)
        return InvocationResult(function_id, "r", value=self.value, error=self.error)


def gateway(runtime, routes=None, binary=()):
    return Gateway(
        routes or [route("/{proxy+}"), route("/", "GET")],
        {"Api": RestApi("Api", "Prod", binary_media_types=binary)},
        runtime,
        Console(None),
    )


def call(gw, target="/x", method="GET", headers=(), body=b""):
    response, _ = gw.handle(
        method=method, target=target, header_pairs=list(headers), body=body, source_ip="127.0.0.1"
    )
    return response


@pytest.mark.parametrize(
    ("path", "resource", "parameters"),
    [
        ("/", "/", {}),
        ("/users/me", "/users/me", {}),  # a literal beats a parameter
        ("/users/42", "/users/{id}", {"id": "42"}),
        ("/users/42/", "/users/{id}", {"id": "42"}),  # one trailing slash is ignored
        ("/users/42/posts/7", "/users/{id}/posts/{postId}", {"id": "42", "postId": "7"}),
        ("/users/42/files/a/b.txt", "/users/{id}/{proxy+}", {"id": "42", "proxy": "files/a/b.txt"}),
        ("/files/a%2Fb/c", "/files/{proxy+}", {"proxy": "a/b/c"}),
        ("/users/a%20b", "/users/{id}", {"id": "a b"}),
    ],
)
def test_a_path_matches_the_most_specific_resource(path, resource, parameters):
    router = Router(
        [
            route("/", "GET"),
            route("/users/me"),
            route("/users/{id}"),
            route("/users/{id}/posts/{postId}"),
            route("/users/{id}/{proxy+}"),
            route("/files/{proxy+}"),
        ]
    )
    match = router.match(path)
    assert match is not None
    assert (match.resource, match.parameters) == (resource, parameters)


def test_a_path_matching_no_resource_or_only_one_without_methods_is_a_403():
    gw = gateway(
        FakeRuntime({"statusCode": 200}), [route("/register", "GET"), route("/auth/{proxy+}")]
    )
    for target, method in [("/nope", "GET"), ("/register", "POST"), ("/auth", "GET")]:
        response = call(gw, target, method)
        assert response.status == 403
        assert json.loads(response.body) == {"message": "Missing Authentication Token"}


def test_sibling_parameters_with_different_names_are_refused_as_api_gateway_does():
    with pytest.raises(TemplateError, match="sibling"):
        Router([route("/users/{id}"), route("/users/{userId}/posts")])


def test_headers_and_multi_value_headers_are_merged():
    runtime = FakeRuntime(
        {
            "statusCode": 201,
            "headers": {"Set-Cookie": "c=3", "X-One": "1"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"], "x-one": ["1"]},
            "body": "created",
        }
    )
    response = call(gateway(runtime))
    assert response.status == 201
    assert [v for n, v in response.headers if n == "Set-Cookie"] == ["a=1", "b=2", "c=3"]
    assert [v for n, v in response.headers if n.lower() == "x-one"] == ["1"]
    assert ("Content-Type", "application/json") in response.headers  # API Gateway's default
    assert response.body == b"created"


def test_a_base64_body_is_decoded_when_accept_matches_a_binary_media_type():
    data = bytes(range(10))
    runtime = FakeRuntime(
        {"statusCode": 200, "body": base64.b64encode(data).decode(), "isBase64Encoded": True}
    )
    gw = gateway(runtime, binary=("image/*",))
    assert call(gw, headers=[("Accept", "image/png")]).body == data
    assert call(gw, headers=[("Accept", "text/html")]).body == base64.b64encode(data)


def test_a_binary_request_body_arrives_base64_encoded():
    runtime = FakeRuntime({"statusCode": 204})
    gw = gateway(runtime, binary=("application/octet-stream",))
    call(
        gw, method="POST", headers=[("Content-Type", "application/octet-stream")], body=b"\x00\xff"
    )
    call(gw, method="POST", headers=[("Content-Type", "text/plain")], body=b"hello")
    binary, text = runtime.events
    assert (binary["body"], binary["isBase64Encoded"]) == ("AP8=", True)
    assert (text["body"], text["isBase64Encoded"]) == ("hello", False)


@pytest.mark.parametrize(
    "value",
    [
        "not an object",
        {"body": "no status"},
        {"statusCode": "abc"},
        {"statusCode": 200, "body": {"not": "a string"}},
        {"statusCode": 200, "headers": {"X": ["a list"]}},
    ],
)
def test_a_malformed_proxy_response_is_api_gateways_502(value):
    response = call(gateway(FakeRuntime(value)))
    assert response.status == 502
    assert json.loads(response.body) == {"message": "Internal server error"}


def test_a_function_error_is_a_502():
    response = call(gateway(FakeRuntime(error=FunctionError("ValueError", "boom"))))
    assert response.status == 502


def test_forwarding_headers_are_added_as_api_gateway_adds_them():
    runtime = FakeRuntime({"statusCode": 200})
    call(gateway(runtime), headers=[("Host", "localhost:3000"), ("X-Forwarded-For", "10.0.0.1")])
    [event] = runtime.events
    assert event["headers"]["X-Forwarded-For"] == "10.0.0.1, 127.0.0.1"
    assert event["headers"]["X-Forwarded-Proto"] == "http"
    assert event["headers"]["X-Amzn-Trace-Id"].startswith("Root=1-")
    assert event["requestContext"]["domainName"] == "localhost"
