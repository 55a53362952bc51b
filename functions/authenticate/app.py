"""authenticate: logging in and out (/auth/log-in, /auth/log-out)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from message_store import MessageStore
from message_store.observability import function_metrics, function_tracer
from video_tutorials.applications import authenticate
from video_tutorials.applications.site import Site
from video_tutorials.observability import count_log_in_outcome
from video_tutorials.settings import AuthenticateSettings
from video_tutorials.views.user_credentials import UserCredentialsViews

logger = Logger()
metrics = function_metrics()
tracer = function_tracer()
settings = AuthenticateSettings.from_environment()
app = authenticate.create_app(
    Site.from_settings(settings, logger=logger),
    store=MessageStore(settings.message_store_table),
    credentials=UserCredentialsViews(settings.user_credentials_view_table),
)


@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = app.resolve(event, context)
    count_log_in_outcome(metrics, event, response)
    return response
