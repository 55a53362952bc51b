"""home-page roll-up: a video's count items summed into its page item, the total's counters
into the page, whenever the view table's stream says they changed (views/home_page.py)."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from message_store.observability import function_metrics, function_tracer
from video_tutorials.aggregators.home_page import roll_up
from video_tutorials.settings import HomePageRollupSettings
from video_tutorials.views.home_page import HomePageViews

settings = HomePageRollupSettings.from_environment()
logger = Logger()
metrics = function_metrics()
tracer = function_tracer()
views = HomePageViews(settings.home_page_view_table)


@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = event.get("Records") or []
    rolled = roll_up(views, records)
    logger.debug("rolled up", extra={"records": len(records), "videos": len(rolled)})
    return {"batchItemFailures": []}
