"""creators-portal: upload, publish, name and describe videos (/creators-portal)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from message_store import MessageStore
from message_store.observability import function_metrics, function_tracer
from video_tutorials.applications import creators_portal
from video_tutorials.applications.site import Site
from video_tutorials.settings import CreatorsPortalSettings
from video_tutorials.storage import VideoStorage
from video_tutorials.views.creators_videos import CreatorsVideosViews
from video_tutorials.views.video_operations import VideoOperationsViews

logger = Logger()
metrics = function_metrics()
tracer = function_tracer()
settings = CreatorsPortalSettings.from_environment()
app = creators_portal.create_app(
    Site.from_settings(settings, logger=logger),
    store=MessageStore(settings.message_store_table),
    videos=CreatorsVideosViews(settings.creators_videos_view_table),
    operations=VideoOperationsViews(settings.video_operations_view_table),
    storage=VideoStorage(settings.videos_bucket),
)


@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
