"""register-users: the registration form and the Register command (/register)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from message_store import MessageStore
from message_store.observability import function_metrics, function_tracer
from video_tutorials.applications import register_users
from video_tutorials.applications.site import Site
from video_tutorials.settings import RegisterUsersSettings
from video_tutorials.views.user_credentials import UserCredentialsViews

logger = Logger()
metrics = function_metrics()
tracer = function_tracer()
settings = RegisterUsersSettings.from_environment()
app = register_users.create_app(
    Site.from_settings(settings, logger=logger),
    store=MessageStore(settings.message_store_table),
    credentials=UserCredentialsViews(settings.user_credentials_view_table),
)


@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
