"""The application functions loaded as Lambda runs them, on moto's tables."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from message_store.aggregator import ViewItem
from tests.support.applications import SECRET
from tests.support.functions import a_lambda_context, load_function
from video_tutorials.views.home_page import HomePageViews, VideoSummary
from video_tutorials.views.user_credentials import UserCredentials, UserCredentialsViews

Invoke = Callable[[dict[str, Any]], dict[str, Any]]


@pytest.fixture
def function_env(tables: dict[str, str]) -> dict[str, str]:
    """What template.yaml gives the application functions, on the test tables, locally."""
    return {
        "STAGE": "local",
        "SITE_URL": "http://127.0.0.1:3000",
        "MESSAGE_STORE_TABLE": tables["MessageStoreTable"],
        "HOME_PAGE_VIEW_TABLE": tables["HomePageViewTable"],
        "USER_CREDENTIALS_VIEW_TABLE": tables["UserCredentialsViewTable"],
        "CREATORS_VIDEOS_VIEW_TABLE": tables["CreatorsVideosViewTable"],
        "VIDEO_OPERATIONS_VIEW_TABLE": tables["VideoOperationsViewTable"],
        "VIDEOS_BUCKET": "videos-test",
        "SESSION_SECRET": SECRET,
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }


def _invoker(directory: str, env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Invoke:
    module = load_function(directory, env, monkeypatch=monkeypatch)
    return lambda event: module.lambda_handler(event, a_lambda_context())


@pytest.fixture
def home_function(function_env, monkeypatch) -> Invoke:
    return _invoker("home", function_env, monkeypatch)


@pytest.fixture
def register_users_function(function_env, monkeypatch) -> Invoke:
    return _invoker("register_users", function_env, monkeypatch)


@pytest.fixture
def authenticate_function(function_env, monkeypatch) -> Invoke:
    return _invoker("authenticate", function_env, monkeypatch)


@pytest.fixture
def creators_portal_function(function_env, monkeypatch) -> Invoke:
    return _invoker("creators_portal", function_env, monkeypatch)


@pytest.fixture
def message_count(message_store_table: str) -> Callable[[], int]:
    """How many messages the whole store holds (to show that nothing was written)."""
    from message_store import aws

    def count() -> int:
        response = aws.client("dynamodb").scan(TableName=message_store_table, Select="COUNT")
        return response["Count"]

    return count


@pytest.fixture
def seed_credentials(tables: dict[str, str]) -> Callable[[str, str, str], None]:
    """Put a registered user in the credentials view, as its aggregator would."""
    views = UserCredentialsViews(tables["UserCredentialsViewTable"])

    def seed(user_id: str, email: str, password_hash: str) -> None:
        state = UserCredentials(user_id=user_id, email=email, password_hash=password_hash)
        after = ViewItem(key=user_id, state=state, positions={f"identity-{user_id}": 0})
        views.save([(ViewItem(key=user_id, state=UserCredentials(user_id=user_id)), after)])

    return seed


@pytest.fixture
def seed_video(tables: dict[str, str]) -> Callable[..., None]:
    """Put a video in the home-page view (and its views in the total), as its aggregator would."""
    views = HomePageViews(tables["HomePageViewTable"])

    def seed(video_id: str, views_count: int, name: str | None = None) -> None:
        state = VideoSummary(video_id=video_id, views=views_count, name=name, published=True)
        positions = {f"viewing-{video_id}": views_count - 1}
        after = ViewItem(key=video_id, state=state, positions=positions)
        views.save([(ViewItem(key=video_id, state=VideoSummary(video_id=video_id)), after)])

    return seed
