"""rebuild: a view dropped and rebuilt from the store, handing its cursor on before the timeout.

Invoked with ``{"view": "home-page"}`` (``"resume": true`` to go on after an interruption), by
``python -m video_tutorials.rebuild VIEW --in-lambda``; it invokes itself again, asynchronously,
with its cursor's next invocation, until the view is rebuilt (docs/operations.md).
"""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from message_store.observability import function_tracer
from video_tutorials.rebuild import Rebuilds, handle_invocation
from video_tutorials.settings import RebuildSettings
from video_tutorials.stack import Stack

settings = RebuildSettings.from_environment()
logger = Logger()
tracer = function_tracer()
rebuilds = Rebuilds(Stack(name="this stack", resources=settings.resources), logger=logger)


@tracer.capture_lambda_handler
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle_invocation(event, context, rebuilds=rebuilds)
