"""The relay of the Queues topology: each new item of the table, published to the topic."""

import json
import os

import boto3

SNS = boto3.client("sns")
TOPIC_ARN = os.environ["TOPIC_ARN"]


def lambda_handler(event, context):
    for record in event["Records"]:
        if record["eventName"] != "INSERT":
            continue
        image = record["dynamodb"]["NewImage"]
        pk, sk = image["pk"]["S"], image["sk"]["N"]
        SNS.publish(
            TopicArn=TOPIC_ARN,
            Message=json.dumps({"key": f"{pk}#{sk}", "action": image.get("action", {}).get("S")}),
            MessageGroupId=pk,
            MessageDeduplicationId=f"{pk}#{sk}",
            MessageAttributes={
                "category": {"DataType": "String", "StringValue": image["category"]["S"]},
                "type": {"DataType": "String", "StringValue": image["type"]["S"]},
            },
        )
    return {}
