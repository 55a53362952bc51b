"""Publishes the demo videos (invoked once by hand, or by the devserver at start)."""

import uuid
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from message_store import MessageStore
from video_tutorials.demo import publish_demo_videos
from video_tutorials.settings import DemoVideosSettings

settings = DemoVideosSettings.from_environment()
logger = Logger()
store = MessageStore(settings.message_store_table)


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    published = publish_demo_videos(store, trace_id=str(uuid.uuid4()))
    logger.info("demo videos published", extra={"published": published})
    return {"published": published}
