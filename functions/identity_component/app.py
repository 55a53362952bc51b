"""identity component: Register -> Registered | RegistrationRejected; the welcome email."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from message_store import MessageStore
from video_tutorials.components.identity import identity_component
from video_tutorials.settings import IdentityComponentSettings

settings = IdentityComponentSettings()
logger = Logger()
component = identity_component(
    MessageStore(settings.message_store_table), settings.site_url, logger=logger
)


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return dict(component.handle_event(event))
