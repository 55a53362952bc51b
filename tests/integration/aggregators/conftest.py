from __future__ import annotations

import logging

import pytest

from message_store import aws as aws_clients
from tests.support.fakes import InMemorySkips
from tests.support.streams import ViewStreamFollower
from video_tutorials.aggregators.home_page import home_page_aggregator, roll_up
from video_tutorials.aggregators.user_credentials import user_credentials_aggregator
from video_tutorials.views.home_page import HomePageViews
from video_tutorials.views.user_credentials import UserCredentialsViews


@pytest.fixture
def logger():
    return logging.getLogger("tests.aggregators")


class FollowedHomePageViews(HomePageViews):
    """The home-page view as its readers see it once the roll-up has followed the table's
    stream (on AWS and the devserver within its batching window, a second): each read
    first hands the stream's new records to ``roll_up``, as ``HomePageRollupFunction``."""

    def __init__(self, table_name: str) -> None:
        super().__init__(table_name)
        self.follower = ViewStreamFollower(
            aws_clients.client("dynamodb"),
            aws_clients.client("dynamodbstreams"),
            table_name,
            lambda records: roll_up(HomePageViews(table_name), records),
        )

    def home_page(self, **options):
        self.follower.follow()
        return super().home_page(**options)

    def views_of(self, video_ids):
        self.follower.follow()
        return super().views_of(video_ids)

    def get(self, key):
        self.follower.follow()
        return super().get(key)


@pytest.fixture
def home_page_views(tables):
    return FollowedHomePageViews(tables["HomePageViewTable"])


@pytest.fixture
def skips():
    return InMemorySkips()


@pytest.fixture
def home_page(store, home_page_views, logger, skips):
    return home_page_aggregator.bind(views=home_page_views, store=store, logger=logger, skips=skips)


@pytest.fixture
def credentials_views(tables):
    return UserCredentialsViews(tables["UserCredentialsViewTable"])


@pytest.fixture
def user_credentials(store, credentials_views, logger, skips):
    return user_credentials_aggregator.bind(
        views=credentials_views, store=store, logger=logger, skips=skips
    )


@pytest.fixture
def creators_videos_views(tables):
    from video_tutorials.views.creators_videos import CreatorsVideosViews

    return CreatorsVideosViews(tables["CreatorsVideosViewTable"])


@pytest.fixture
def creators_videos(store, creators_videos_views, logger, skips):
    from video_tutorials.aggregators.creators_videos import creators_videos_aggregator

    return creators_videos_aggregator.bind(
        views=creators_videos_views, store=store, logger=logger, skips=skips
    )


@pytest.fixture
def video_operations_views(tables):
    from video_tutorials.views.video_operations import VideoOperationsViews

    return VideoOperationsViews(tables["VideoOperationsViewTable"])


@pytest.fixture
def video_operations(store, video_operations_views, logger, skips):
    from video_tutorials.aggregators.video_operations import video_operations_aggregator

    return video_operations_aggregator.bind(
        views=video_operations_views, store=store, logger=logger, skips=skips
    )


@pytest.fixture
def admin_users_views(tables):
    from video_tutorials.views.admin_users import AdminUsersViews

    return AdminUsersViews(tables["AdminUsersViewTable"])


@pytest.fixture
def admin_users(store, admin_users_views, logger, skips):
    from video_tutorials.aggregators.admin_users import admin_users_aggregator

    return admin_users_aggregator.bind(
        views=admin_users_views, store=store, logger=logger, skips=skips
    )


@pytest.fixture
def admin_streams_views(tables):
    from video_tutorials.views.admin_streams import AdminStreamsViews

    return AdminStreamsViews(tables["AdminStreamsViewTable"], tables["AdminCategoriesViewTable"])


@pytest.fixture
def admin_streams(store, admin_streams_views, logger, skips):
    from video_tutorials.aggregators.admin_streams import admin_streams_aggregator

    return admin_streams_aggregator.bind(
        views=admin_streams_views, store=store, logger=logger, skips=skips
    )
