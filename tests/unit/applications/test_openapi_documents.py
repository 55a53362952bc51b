"""Each application's OpenAPI document: generated from its routes; the committed copy current."""

from __future__ import annotations

import json

import pytest

from tests.support.applications import ROOT
from video_tutorials.applications.openapi import APPLICATIONS, openapi_document

EXPECTED_OPERATIONS = {
    "home": {"/": {"get"}, "/record-viewing/{videoId}": {"post"}},
    "register_users": {
        "/register": {"get", "post"},
        "/register/registration-complete": {"get"},
    },
    "authenticate": {"/auth/log-in": {"get", "post"}, "/auth/log-out": {"get", "post"}},
    "creators_portal": {
        "/creators-portal": {"get"},
        "/creators-portal/uploaded": {"get"},
        "/creators-portal/publish-video": {"post"},
        "/creators-portal/videos/{videoId}": {"get"},
        "/creators-portal/videos/{videoId}/name": {"post"},
        "/creators-portal/videos/{videoId}/describe": {"post"},
        "/creators-portal/video-operations/{traceId}": {"get"},
    },
    "admin": {
        "/admin": {"get"},
        "/admin/users": {"get"},
        "/admin/users/{userId}": {"get"},
        "/admin/messages": {"get"},
        "/admin/messages/{messageId}": {"get"},
        "/admin/correlated-messages/{traceId}": {"get"},
        "/admin/streams": {"get"},
        "/admin/streams/{streamName}": {"get"},
        "/admin/categories": {"get"},
        "/admin/categories/{category}": {"get"},
        "/admin/consumers": {"get"},
        "/admin/consumers/{name}/redrive": {"post"},
    },
}


@pytest.mark.parametrize("name", sorted(APPLICATIONS))
def test_each_document_has_the_applications_paths_and_methods(name):
    document = json.loads(openapi_document(name))

    operations = {path: set(methods) for path, methods in document["paths"].items()}
    assert operations == EXPECTED_OPERATIONS[name]


def test_form_posts_document_their_fields_and_answers():
    document = json.loads(openapi_document("register_users"))

    post = document["paths"]["/register"]["post"]
    [schema_ref] = [c["schema"]["$ref"] for c in post["requestBody"]["content"].values()]
    fields = document["components"]["schemas"][schema_ref.rsplit("/", 1)[1]]["properties"]
    assert set(fields) == {"id", "email", "password"}
    assert fields["password"]["minLength"] == 8
    assert {"303", "400", "403", "413"} <= set(post["responses"])


def test_path_parameters_are_documented_as_uuids():
    document = json.loads(openapi_document("home"))

    [parameter] = document["paths"]["/record-viewing/{videoId}"]["post"]["parameters"]
    assert (parameter["name"], parameter["in"]) == ("videoId", "path")
    assert parameter["schema"]["format"] == "uuid"


@pytest.mark.parametrize("name", sorted(APPLICATIONS))
def test_the_committed_document_is_current(name):
    committed = (ROOT / "docs" / "openapi" / f"{name}.json").read_text(encoding="utf-8")

    assert committed == openapi_document(name), "run `make openapi` and commit docs/openapi"
