"""home: the home page and recording viewings (GET /, POST /record-viewing/{videoId})."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from message_store import MessageStore
from message_store.observability import function_metrics, function_tracer
from video_tutorials.applications import home
from video_tutorials.applications.site import Site
from video_tutorials.settings import HomeSettings
from video_tutorials.views.home_page import HomePageViews

logger = Logger()
metrics = function_metrics()
tracer = function_tracer()
settings = HomeSettings.from_environment()
app = home.create_app(
    Site.from_settings(settings, logger=logger),
    store=MessageStore(settings.message_store_table),
    home_page=HomePageViews(settings.home_page_view_table),
    copy_seconds=settings.home_page_copy_seconds,
)


@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
