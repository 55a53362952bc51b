"""user-credentials aggregator: each registered user's email and password hash."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from message_store import MessageStore
from video_tutorials.aggregators.user_credentials import user_credentials_aggregator
from video_tutorials.settings import UserCredentialsAggregatorSettings
from video_tutorials.views.user_credentials import UserCredentialsViews

settings = UserCredentialsAggregatorSettings()
logger = Logger()
aggregator = user_credentials_aggregator(
    MessageStore(settings.message_store_table),
    UserCredentialsViews(settings.user_credentials_view_table),
    logger=logger,
)


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return dict(aggregator.handle_event(event))
