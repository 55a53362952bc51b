"""Logs whole stream events (the shape test compares them with Lambda's)."""

from sample_shared import log


def lambda_handler(event, context):
    log({"function": "ShapeConsumer", "event": event})
