"""send-email component: Send -> SES -> Sent | Failed."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from message_store import MessageStore
from video_tutorials.components.mailer import SesMailer
from video_tutorials.components.send_email import send_email_component
from video_tutorials.settings import SendEmailComponentSettings

settings = SendEmailComponentSettings()
logger = Logger()
component = send_email_component(
    MessageStore(settings.message_store_table), SesMailer(settings.email_sender), logger=logger
)


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return dict(component.handle_event(event))
