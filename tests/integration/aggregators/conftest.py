from __future__ import annotations

import logging

import pytest

from video_tutorials.aggregators.home_page import home_page_aggregator
from video_tutorials.aggregators.user_credentials import user_credentials_aggregator
from video_tutorials.views.home_page import HomePageViews
from video_tutorials.views.user_credentials import UserCredentialsViews


@pytest.fixture
def logger():
    return logging.getLogger("tests.aggregators")


@pytest.fixture
def home_page_views(tables):
    return HomePageViews(tables["HomePageViewTable"])


@pytest.fixture
def home_page(store, home_page_views, logger):
    return home_page_aggregator(store, home_page_views, logger=logger)


@pytest.fixture
def credentials_views(tables):
    return UserCredentialsViews(tables["UserCredentialsViewTable"])


@pytest.fixture
def user_credentials(store, credentials_views, logger):
    return user_credentials_aggregator(store, credentials_views, logger=logger)
