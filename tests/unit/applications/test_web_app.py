"""``WebApp``: screening before routing, the trace id, and the central HTTP error mapping."""

from __future__ import annotations

import json
import logging
from typing import Annotated
from uuid import UUID

import pytest
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Form, Path

from message_store import InvalidStreamNameError, MessageStoreUnavailableError, VersionConflictError
from tests.support.applications import header, page_text
from tests.support.factories import an_api_request
from webglue import ErrorPage, SessionSecretUnavailableError, WebApp, WebConfig


class RecordingLogger(logging.LoggerAdapter):
    def __init__(self) -> None:
        super().__init__(logging.getLogger("tests.web"), {})
        self.correlation_ids: list[str] = []

    def set_correlation_id(self, value: str) -> None:
        self.correlation_ids.append(value)


def an_app(max_body_bytes: int = 1024, logger: RecordingLogger | None = None):
    app = WebApp(
        config=WebConfig(site_url="https://site.example.com", max_body_bytes=max_body_bytes),
        logger=logger,
        title="Things",
    )
    created: list[str] = []

    @app.post("/things")
    def create_thing(name: Annotated[str, Form()] = "") -> Response[str]:
        created.append(name)
        return app.redirect("/things")

    @app.get("/things/<thingId>")
    def show_thing(thingId: Annotated[UUID, Path()]) -> Response[str]:
        return app.page(f"<p>{thingId}</p>")

    failures = {
        "/boom": RuntimeError("internal detail at /var/task/secret.py"),
        "/down": MessageStoreUnavailableError("DynamoDB query failed"),
        "/no-secret": SessionSecretUnavailableError("throttled"),
        "/conflict": VersionConflictError("thing-1", 0, 1),
        "/refused": InvalidStreamNameError("bad stream name"),
    }
    for path, error in failures.items():
        app.get(path)(_raising(error))
    return app, created


def _raising(error: Exception):
    def fail() -> Response[str]:
        raise error

    return fail


def test_a_form_post_from_this_site_runs_and_redirects_with_the_base_path():
    app, created = an_app()

    response = app.resolve(an_api_request("POST", "/things", form={"name": "box"}), {})

    assert response["statusCode"] == 303
    assert header(response, "Location") == "/Prod/things"
    assert created == ["box"]


def test_a_post_with_a_foreign_origin_is_refused_before_the_route_runs():
    app, created = an_app()

    response = app.resolve(
        an_api_request("POST", "/things", form={"name": "box"}, origin="https://evil.com"), {}
    )

    assert response["statusCode"] == 403
    assert "sent from another site" in page_text(response)
    assert created == []


def test_origin_null_is_refused_and_no_origin_is_allowed():
    app, created = an_app()

    refused = app.resolve(an_api_request("POST", "/things", form={}, origin="null"), {})
    allowed = app.resolve(an_api_request("POST", "/things", form={}, origin=None), {})

    assert (refused["statusCode"], allowed["statusCode"]) == (403, 303)
    assert created == [""]


def test_no_origin_but_a_foreign_referer_is_refused_before_the_route_runs():
    app, created = an_app()

    foreign = app.resolve(
        an_api_request(
            "POST",
            "/things",
            form={"name": "box"},
            origin=None,
            headers={"Referer": "https://evil.com/form.html"},
        ),
        {},
    )
    own = app.resolve(
        an_api_request(
            "POST",
            "/things",
            form={"name": "mine"},
            origin=None,
            headers={"Referer": "https://site.example.com/things"},
        ),
        {},
    )

    assert foreign["statusCode"] == 403
    assert "sent from another site" in page_text(foreign)
    assert own["statusCode"] == 303
    assert created == ["mine"]


def test_the_sites_public_url_is_a_trusted_origin():
    app, _ = an_app()

    response = app.resolve(
        an_api_request("POST", "/things", form={}, origin="https://site.example.com"), {}
    )

    assert response["statusCode"] == 303


@pytest.mark.parametrize("base64_body", [False, True])
def test_an_oversized_body_is_refused(base64_body):
    app, created = an_app(max_body_bytes=1024)

    response = app.resolve(
        an_api_request("POST", "/things", form={"name": "x" * 1100}, base64_body=base64_body), {}
    )

    assert response["statusCode"] == 413
    assert "too large" in page_text(response)
    assert created == []


@pytest.mark.parametrize(
    ("body", "base64_body", "content_type"),
    [
        ("!!!not base64!!!", True, "application/x-www-form-urlencoded"),
        ("name=%FF%FE", False, "application/x-www-form-urlencoded"),
        ("&".join(f"f{i}=1" for i in range(100)), False, "application/x-www-form-urlencoded"),
    ],
)
def test_an_unreadable_body_is_refused(body, base64_body, content_type):
    app, created = an_app()
    event = an_api_request("POST", "/things", body=body, headers={"Content-Type": content_type})
    event["isBase64Encoded"] = base64_body

    response = app.resolve(event, {})

    assert response["statusCode"] == 400
    assert "could not be read" in page_text(response)
    assert created == []


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", None])
def test_a_body_that_is_not_a_form_is_415(content_type):
    app, created = an_app()
    headers = {"Content-Type": content_type} if content_type else {}

    response = app.resolve(
        an_api_request("POST", "/things", body='{"name": "x"}', headers=headers), {}
    )

    assert response["statusCode"] == 415
    assert "Send this form from its page" in page_text(response)
    assert created == []


def test_a_post_without_a_body_needs_no_type():
    app, created = an_app()

    response = app.resolve(an_api_request("POST", "/things"), {})

    assert response["statusCode"] == 303
    assert created == [""]


def test_an_unknown_method_on_a_known_path_is_404():
    app, created = an_app()

    response = app.resolve(an_api_request("PUT", "/things", form={"name": "x"}), {})

    assert response["statusCode"] == 404
    assert created == []


def test_an_invalid_path_parameter_is_a_400_page_naming_it():
    app, _ = an_app()

    response = app.resolve(an_api_request("GET", "/things/not-a-uuid"), {})

    assert response["statusCode"] == 400
    assert "“thingId” must be a UUID" in page_text(response)
    assert header(response, "Content-Type") == "text/html; charset=utf-8"


def test_an_unknown_path_is_a_404_page():
    app, _ = an_app()

    response = app.resolve(an_api_request("GET", "/nowhere"), {})

    assert response["statusCode"] == 404
    assert "There is no page at this address." in page_text(response)


@pytest.mark.parametrize(
    ("path", "status"),
    [("/boom", 500), ("/down", 503), ("/no-secret", 503), ("/conflict", 409), ("/refused", 400)],
)
def test_errors_are_mapped_to_pages_that_leak_nothing(path, status):
    app, _ = an_app()

    response = app.resolve(an_api_request("GET", path), {})

    assert response["statusCode"] == status
    text = page_text(response)
    assert "Traceback" not in text
    assert "secret.py" not in text
    assert "DynamoDB" not in text
    assert header(response, "X-Trace-Id") in text  # the reference to quote


def test_every_response_has_a_trace_id_that_is_the_logs_correlation_id():
    logger = RecordingLogger()
    app, _ = an_app(logger=logger)

    first = app.resolve(an_api_request("GET", "/things/not-a-uuid"), {})
    second = app.resolve(an_api_request("POST", "/things", form={}, origin="https://evil.com"), {})

    trace_ids = [header(first, "X-Trace-Id"), header(second, "X-Trace-Id")]
    assert logger.correlation_ids == trace_ids
    assert trace_ids[0] != trace_ids[1]


def test_pages_carry_the_security_headers():
    app, _ = an_app()

    response = app.resolve(
        an_api_request("GET", "/things/0b6a8c1e-3f2d-4c5b-9a7e-1d2c3b4a5f60"), {}
    )

    assert response["statusCode"] == 200
    assert "frame-ancestors 'none'" in header(response, "Content-Security-Policy")
    assert header(response, "X-Content-Type-Options") == "nosniff"
    assert header(response, "Cache-Control") == "no-store"


def test_an_error_page_that_cannot_render_falls_back_to_a_plain_one():
    def broken(request, page: ErrorPage) -> str:
        raise RuntimeError("template bug")

    app = WebApp(render_error=broken)

    response = app.resolve(an_api_request("GET", "/nowhere"), {})

    assert response["statusCode"] == 404
    assert "Page not found" in page_text(response)


def test_the_openapi_document_has_no_json_422():
    app, _ = an_app()

    document = json.loads(app.get_openapi_json_schema())

    assert set(document["paths"]) >= {"/things", "/things/{thingId}"}
    assert "422" not in json.dumps(document["paths"])
    assert "HTTPValidationError" not in json.dumps(document)
