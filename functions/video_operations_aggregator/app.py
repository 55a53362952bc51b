"""video-operations aggregator: the outcome of each naming and describing, by trace id."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from message_store import MessageStore
from message_store.observability import function_metrics, function_tracer
from message_store.progress import ConsumerProgressTable
from message_store.skips import SkippedMessagesTable
from video_tutorials.aggregators.video_operations import video_operations_aggregator
from video_tutorials.settings import VideoOperationsAggregatorSettings
from video_tutorials.views.video_operations import VideoOperationsViews

settings = VideoOperationsAggregatorSettings.from_environment()
logger = Logger()
metrics = function_metrics()
tracer = function_tracer()
consumer = video_operations_aggregator.bind(
    views=VideoOperationsViews(settings.video_operations_view_table),
    store=MessageStore(settings.message_store_table),
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
