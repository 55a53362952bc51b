"""The stream-batch samples of events/ replayed through their functions (`sam local invoke -e`)."""

from __future__ import annotations

import json

import boto3
import pytest

from tests.support.functions import ROOT, a_lambda_context, load_function
from video_tutorials.contracts import identity
from video_tutorials.views.home_page import HomePageViews
from video_tutorials.views.user_credentials import UserCredentialsViews

SENDER = "no-reply@video-tutorials.example"
USER_ID = "6a1f0c2e-8b3d-4e5f-9a7b-1c2d3e4f5a60"


def sample(path: str) -> dict:
    return json.loads((ROOT / "events" / path).read_text())


@pytest.fixture
def invoke(tables, monkeypatch):
    environment = {
        "STAGE": "local",
        "MESSAGE_STORE_TABLE": tables["MessageStoreTable"],
        "HOME_PAGE_VIEW_TABLE": tables["HomePageViewTable"],
        "USER_CREDENTIALS_VIEW_TABLE": tables["UserCredentialsViewTable"],
        "EMAIL_SENDER": SENDER,
        "SETTLE_WINDOW_SECONDS": "0",
    }

    def run(function: str, event_path: str):
        module = load_function(function, environment, monkeypatch=monkeypatch)
        return module.lambda_handler(sample(event_path), a_lambda_context())

    return run


def test_identity_registers_from_the_register_sample(invoke, store):
    assert invoke("identity_component", "identity_component/register.json") == {
        "batchItemFailures": []
    }
    assert [m.type for m in store.read_stream(identity.identity_stream(USER_ID))] == ["Registered"]


def test_identity_asks_for_the_welcome_email_from_the_registered_sample(invoke, store):
    invoke("identity_component", "identity_component/registered.json")

    email_id = identity.registration_email_id(USER_ID)
    assert [m.type for m in store.read_stream(f"sendEmail:command-{email_id}")] == ["Send"]


def test_identity_records_the_sent_sample(invoke, store):
    registered = identity.Registered(user_id=USER_ID, email="ada@example.com", password_hash="h")
    store.write(identity.identity_stream(USER_ID), registered.to_message())

    invoke("identity_component", "identity_component/sent.json")

    types = [m.type for m in store.read_stream(identity.identity_stream(USER_ID))]
    assert types == ["Registered", "RegistrationEmailSent"]


def test_send_email_sends_the_send_sample(invoke, store):
    boto3.client("ses", region_name="us-east-1").verify_email_identity(EmailAddress=SENDER)

    assert invoke("send_email_component", "send_email_component/send.json") == {
        "batchItemFailures": []
    }
    email_id = identity.registration_email_id(USER_ID)
    assert [m.type for m in store.read_stream(f"sendEmail-{email_id}")] == ["Sent"]


def test_the_home_page_aggregator_folds_its_sample(invoke, tables):
    invoke("home_page_aggregator", "home_page_aggregator/viewings-and-publishing.json")

    page = HomePageViews(tables["HomePageViewTable"]).home_page()
    assert page.videos_watched == 2
    assert [(v.name, v.views, v.published) for v in page.videos] == [("Intro", 2, True)]


def test_the_user_credentials_aggregator_folds_its_sample(invoke, tables):
    invoke("user_credentials_aggregator", "user_credentials_aggregator/registered.json")

    found = UserCredentialsViews(tables["UserCredentialsViewTable"]).find_by_email(
        "ada@example.com"
    )
    assert found is not None
    assert found.user_id == USER_ID


def test_the_demo_videos_sample(invoke, store):
    result = invoke("demo_videos", "demo_videos/invoke.json")

    assert len(result["published"]) == 3
    types = [m.type for m in store.read_category("videoPublishing")]
    assert sorted(types) == ["VideoNamed"] * 3 + ["VideoPublished"] * 3


def test_every_consumer_sample_is_replayed_here():
    replayed = {
        "identity_component/register.json",
        "identity_component/registered.json",
        "identity_component/sent.json",
        "send_email_component/send.json",
        "home_page_aggregator/viewings-and-publishing.json",
        "user_credentials_aggregator/registered.json",
        "demo_videos/invoke.json",
    }
    applications = {"home", "register_users", "authenticate"}
    files = {
        str(path.relative_to(ROOT / "events"))
        for path in (ROOT / "events").glob("*/*.json")
        if path.parent.name not in applications
    }
    assert files == replayed
