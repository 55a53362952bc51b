"""send-email component: Send -> SES -> Sent | Failed."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from message_store import MessageStore
from message_store.observability import function_metrics, function_tracer
from message_store.progress import ConsumerProgressTable
from message_store.skips import SkippedMessagesTable
from video_tutorials.components.mailer import SesMailer
from video_tutorials.components.send_email import Dependencies, send_email_component
from video_tutorials.settings import SendEmailComponentSettings

settings = SendEmailComponentSettings.from_environment()
logger = Logger()
metrics = function_metrics()
tracer = function_tracer()
consumer = send_email_component.bind(
    Dependencies(
        MessageStore(settings.message_store_table), SesMailer(settings.email_sender), logger
    ),
    logger=logger,
    metrics=metrics,
    skips=SkippedMessagesTable(settings.skipped_messages_table),
    progress=ConsumerProgressTable(settings.consumer_progress_table),
)


@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return dict(consumer.handle_event(event))
