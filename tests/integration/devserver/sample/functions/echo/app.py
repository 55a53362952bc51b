"""Answers each item aimed at it with an item of its own (what a page may wait for)."""

import os

import boto3

DYNAMODB = boto3.client("dynamodb")


def lambda_handler(event, context):
    for record in event["Records"]:
        pk = record["dynamodb"]["Keys"]["pk"]["S"]
        DYNAMODB.put_item(
            TableName=os.environ["EVENTS_TABLE"],
            Item={
                "pk": {"S": f"{pk}-echo"},
                "sk": {"N": "0"},
                "target": {"S": "echoed"},
                "by": {"S": f"{context.function_name} ({os.environ['FLAVOUR']})"},
            },
        )
