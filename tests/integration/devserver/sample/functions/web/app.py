"""The sample web application: echoes the event, and answers a few special paths."""

import base64
import json
import os
import sys
import time

import boto3
import sample_shared
from sample_shared import count

FLAVOUR = os.environ["FLAVOUR"]


def _json(status, body, **extra):
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
        **extra,
    }


def lambda_handler(event, context):
    path = event["path"]
    if event["resource"] != "/app/{proxy+}":
        return _json(
            200,
            {
                "event": event,
                "flavour": FLAVOUR,
                "counter": count(),
                "requestId": context.aws_request_id,
            },
        )
    page = event["pathParameters"]["proxy"]
    if page == "cookies":
        return {
            "statusCode": 303,
            "headers": {"Location": "/", "Set-Cookie": "third=3"},
            "multiValueHeaders": {"Set-Cookie": ["first=1; HttpOnly", "second=2; Path=/"]},
            "body": "",
        }
    if page == "binary":
        return {
            "statusCode": 200,
            "headers": {"Content-Type": "image/png"},
            "body": base64.b64encode(bytes(range(256))).decode(),
            "isBase64Encoded": True,
        }
    if page == "wait-for-echo":
        return _wait_for_echo(event["queryStringParameters"]["pk"])
    if page == "invoke-other":
        # a function invoking another through Lambda's API (the devserver's, in-process)
        response = boto3.client("lambda").invoke(FunctionName="Other", Payload=b"{}")
        answer = json.loads(response["Payload"].read())
        return _json(
            200,
            {
                "otherFlavour": answer["flavour"],
                "otherFunction": answer["functionName"],
                "flavour": os.environ["FLAVOUR"],
                "ownModule": sys.modules["app"].FLAVOUR,
            },
        )
    if page == "write-later":
        # writes only after a while: wait_idle must wait for what a running handler writes
        time.sleep(0.5)
        pk = event["queryStringParameters"]["pk"]
        boto3.client("dynamodb").put_item(
            TableName=os.environ["EVENTS_TABLE"],
            Item={"pk": {"S": pk}, "sk": {"N": "0"}, "target": {"S": "partial"}},
        )
        return _json(200, {"written": pk})
    if page == "raise":
        raise ValueError("the handler failed")
    if page == "malformed":
        return {"body": "no status code"}
    if page == "mail":
        ses = boto3.client("ses")
        ses.send_email(
            Source=os.environ["SENDER"],
            Destination={"ToAddresses": [event["queryStringParameters"]["to"]]},
            Message={
                "Subject": {"Data": "Welcome"},
                "Body": {"Text": {"Data": "plain text"}, "Html": {"Data": "<p>html</p>"}},
            },
        )
        return _json(202, {"sent": True})
    if page == "write":
        table = boto3.client("dynamodb")
        body = json.loads(event["body"])
        table.put_item(
            TableName=os.environ["EVENTS_TABLE"],
            Item={
                "pk": {"S": body["pk"]},
                "sk": {"N": str(body["sk"])},
                "target": {"S": body.get("target", "none")},
            },
        )
        return _json(201, {"written": True})
    return _json(404, {"message": f"the application has no page {path}"})


def _wait_for_echo(pk):
    """Write an item Echo answers, then wait (bounded) until its answer can be read.

    The page's read-your-writes: Echo runs (on the stream's poller) while this sleeps.
    """
    table, dynamodb = os.environ["EVENTS_TABLE"], boto3.client("dynamodb")
    world = (dict(os.environ), list(sys.path), sys.modules["app"], sys.modules["sample_shared"])
    dynamodb.put_item(
        TableName=table, Item={"pk": {"S": pk}, "sk": {"N": "0"}, "target": {"S": "echo"}}
    )
    started = time.monotonic()
    answer = None
    while answer is None and time.monotonic() - started < 3:
        time.sleep(0.01)
        key = {"pk": {"S": f"{pk}-echo"}, "sk": {"N": "0"}}
        answer = dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
    print(f"waited for {pk}-echo")
    after = (dict(os.environ), list(sys.path), sys.modules["app"], sys.modules["sample_shared"])
    return _json(
        200,
        {
            "answer": answer["by"]["S"] if answer else None,
            "waitedMs": (time.monotonic() - started) * 1000,
            "worldIntact": after == world,
            "ownModules": world[2].FLAVOUR == "web" and world[3] is sample_shared,
            "flavour": os.environ["FLAVOUR"],
        },
    )
