"""relay: the message store's stream -> the SNS FIFO message topic (Queues topology)."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from message_store.progress import ConsumerProgressTable
from message_store.relay import Relay
from message_store.skips import SkippedMessagesTable
from video_tutorials.consumers import relay_declaration
from video_tutorials.settings import RelaySettings

settings = RelaySettings.from_environment()
logger = Logger()
consumer = Relay(
    settings.message_topic_arn,
    relay_declaration(),
    logger=logger,
    skips=SkippedMessagesTable(settings.skipped_messages_table),
    progress=ConsumerProgressTable(settings.consumer_progress_table),
)


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return dict(consumer.handle_event(event))
