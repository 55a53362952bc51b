"""Hostile input, generated: schemathesis over every application's OpenAPI document
(``docs/openapi/*.json``, generated from the routes), each operation with valid and invalid
requests (schemathesis' positive and negative modes), as a logged-in user (an admin, the
creator of a video) and as an anonymous visitor. Every answer: no 5xx; a refusal is a page
with a message; a refusal writes nothing (``tests.support.hostile.check_answer``).

``HOSTILE_EXAMPLES`` sets the examples per operation, mode and visitor (default 10, the
size ``make test`` runs; ``make hostile`` runs 200). The seed is fixed (derandomize): a
failure is found again by the same run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from tests.support.hostile import APPLICATIONS, Site, raw_event, same_site_headers

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "10"))
BASE_URL = "https://hostile.test"


def operations() -> list[tuple[str, object]]:
    found = []
    for app in APPLICATIONS:
        schema = schemathesis.openapi.from_path(ROOT / "docs" / "openapi" / f"{app}.json")
        for result in schema.get_all_operations():
            found.append((app, result.ok()))
    return found


OPERATIONS = operations()


def test_every_application_has_its_operations_fuzzed():
    documented = {
        (app, method.upper(), path)
        for app in APPLICATIONS
        for path, item in json.loads((ROOT / "docs" / "openapi" / f"{app}.json").read_text())[
            "paths"
        ].items()
        for method in item
    }
    fuzzed = {(app, op.method.upper(), op.path) for app, op in OPERATIONS}

    assert fuzzed == documented
    assert {app for app, _ in OPERATIONS} == set(APPLICATIONS)


@pytest.fixture(scope="module")
def site() -> Site:
    return Site()


_NOT_CONSTRAINTS = {"title", "description", "type"}


def negatable(operation) -> bool:
    """Whether the operation takes something that can be made invalid: a body, or a
    parameter more constrained than "any string" (a free path segment has no invalid value)."""
    definition = operation.definition.raw
    if definition.get("requestBody"):
        return True
    for parameter in definition.get("parameters", []):
        schema = parameter.get("schema", {})
        if set(schema) - _NOT_CONSTRAINTS or schema.get("type") != "string":
            return True
    return False


CASES = [
    pytest.param(app, op, mode, id=f"{app}:{op.method.upper()} {op.path}:{mode.value}")
    for app, op in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode is GenerationMode.POSITIVE or negatable(op)
]


@pytest.mark.parametrize("logged_in", [True, False], ids=["logged-in", "anonymous"])
@pytest.mark.parametrize(("app", "operation", "mode"), CASES)
def test_no_generated_request_gets_a_5xx_or_a_silent_refusal(site, app, operation, mode, logged_in):
    cookie = "; ".join(f"{k}={v}" for k, v in site.session().items()) if logged_in else None

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(operation.as_strategy(generation_mode=mode))
    def check(case) -> None:
        prepared = requests.Request(**case.as_transport_kwargs(base_url=BASE_URL)).prepare()
        headers = {
            name: value
            for name, value in prepared.headers.items()
            if name.lower() in ("content-type", "accept")
        }
        headers.update(same_site_headers(case.method))
        if cookie:
            headers["Cookie"] = cookie
        event = raw_event(case.method, prepared.url, headers=headers, body=prepared.body)
        site.send(app, event)

    check()
