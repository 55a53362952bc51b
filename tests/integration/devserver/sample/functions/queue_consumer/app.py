"""A queue consumer (several functions of the queue sample share this code)."""

from sample_shared.queue_consumer import handle


def lambda_handler(event, context):
    return handle(event, context)
