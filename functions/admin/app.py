"""admin: the operators' pages (/admin) — users, messages, traces, streams, consumers."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from message_store import MessageStore
from message_store.observability import function_metrics, function_tracer
from message_store.progress import ConsumerProgressTable
from message_store.skips import SkippedMessagesTable
from video_tutorials.applications import admin
from video_tutorials.applications.site import Site
from video_tutorials.dead_letters import DeadLetters
from video_tutorials.settings import AdminSettings
from video_tutorials.views.admin_streams import AdminStreamsViews
from video_tutorials.views.admin_users import AdminUsersViews

logger = Logger()
metrics = function_metrics()
tracer = function_tracer()
settings = AdminSettings.from_environment()
app = admin.create_app(
    Site.from_settings(settings, logger=logger),
    messages=MessageStore(settings.message_store_table),
    users=AdminUsersViews(settings.admin_users_view_table),
    streams=AdminStreamsViews(
        settings.admin_streams_view_table, settings.admin_categories_view_table
    ),
    skipped=SkippedMessagesTable(settings.skipped_messages_table),
    progress=ConsumerProgressTable(settings.consumer_progress_table),
    dead_letters=DeadLetters.from_json(settings.consumer_resources),
)


@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
