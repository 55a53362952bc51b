"""home-page aggregator: videos watched in total, views per video."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from message_store import MessageStore
from video_tutorials.aggregators.home_page import home_page_aggregator
from video_tutorials.settings import HomePageAggregatorSettings
from video_tutorials.views.home_page import HomePageViews

settings = HomePageAggregatorSettings()
logger = Logger()
aggregator = home_page_aggregator(
    MessageStore(settings.message_store_table),
    HomePageViews(settings.home_page_view_table),
    logger=logger,
)


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return dict(aggregator.handle_event(event))
