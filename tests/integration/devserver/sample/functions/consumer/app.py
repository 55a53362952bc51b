"""A stream consumer (several functions of the sample template share this code)."""

from sample_shared.consumer import Consumer, handle

consumer = Consumer()


def lambda_handler(event, context):
    return handle(event, context)
