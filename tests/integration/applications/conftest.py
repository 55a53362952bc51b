"""The application functions of template.yaml loaded as Lambda runs them, on moto's tables."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

import devserver
from message_store.aggregator import ViewItem
from tests.support.applications import SECRET
from video_tutorials.views.home_page import HomePageViews, VideoSummary, count_key_of
from video_tutorials.views.user_credentials import UserCredentials, UserCredentialsViews

Invoke = Callable[[dict[str, Any]], dict[str, Any]]

APPLICATIONS = (
    "HomeFunction",
    "RegisterUsersFunction",
    "AuthenticateFunction",
    "CreatorsPortalFunction",
    "AdminFunction",
)


@pytest.fixture
def load_applications(tables: dict[str, str]) -> Iterator[Callable[..., devserver.Functions]]:
    """Load the application functions with the template's variables, on the test tables.

    Keyword arguments set variables (``None`` removes one): ``load(STAGE="prod")``.
    """
    loaded: list[devserver.Functions] = []

    def load(**variables: str | None) -> devserver.Functions:
        functions = devserver.load_functions(
            naming=lambda logical_id: f"test-{logical_id}",  # the tables fixture's names
            physical_ids={"VideosBucket": "videos-test"},
            parameter_overrides={"LogLevel": "WARNING"},  # and Stage=local, as locally
            environment={"SESSION_SECRET": SECRET, **variables},
            only=APPLICATIONS,
        )
        loaded.append(functions)
        return functions

    yield load
    for functions in loaded:
        functions.close()


@pytest.fixture
def applications(load_applications) -> devserver.Functions:
    return load_applications()


def _invoker(applications: devserver.Functions, directory: str) -> Invoke:
    return lambda event: applications.invoke(directory, event)


@pytest.fixture
def home_function(applications) -> Invoke:
    return _invoker(applications, "home")


@pytest.fixture
def register_users_function(applications) -> Invoke:
    return _invoker(applications, "register_users")


@pytest.fixture
def authenticate_function(applications) -> Invoke:
    return _invoker(applications, "authenticate")


@pytest.fixture
def creators_portal_function(applications) -> Invoke:
    return _invoker(applications, "creators_portal")


@pytest.fixture
def admin_function(applications) -> Invoke:
    return _invoker(applications, "admin")


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
    """Put a video in the home-page view as its aggregator would (its page item, and its
    viewings counted in its stream's count item, the total raised), then rolled up."""
    views = HomePageViews(tables["HomePageViewTable"])

    def seed(video_id: str, views_count: int, name: str | None = None) -> None:
        state = VideoSummary(video_id=video_id, name=name, published=True)
        page = ViewItem(key=video_id, state=state, positions={f"video-{video_id}": 0})
        changes = [(ViewItem(key=video_id, state=VideoSummary(video_id=video_id)), page)]
        if views_count:
            stream = f"viewing-{video_id}"
            key = count_key_of(stream)
            assert key is not None
            counted = ViewItem(
                key=key,
                state=VideoSummary(video_id=video_id, views=views_count),
                positions={stream: views_count - 1},
            )
            changes.append((ViewItem(key=key, state=VideoSummary(video_id=video_id)), counted))
        views.save(changes)
        views.roll_up([video_id])

    return seed
