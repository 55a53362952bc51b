"""Runs past its Timeout (unless asked not to), to show the timeout is enforced."""

import time

from sample_shared import log


def lambda_handler(event, context):
    seconds = float((event.get("queryStringParameters") or {}).get("seconds", "30"))
    log({"function": "Slow", "remaining": context.get_remaining_time_in_millis()})
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.02)
    return {"statusCode": 200, "body": "finished"}
