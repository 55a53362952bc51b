"""On-failure destinations: where a mapping sends word of the records it gave up on.

Lambda sends an invocation record (not the records themselves) to the mapping's
``DestinationConfig.OnFailure`` destination, an SQS queue or an SNS topic: the request
and response context of the last attempt and, per source, where the records are (for a
DynamoDB stream, ``DDBStreamBatchInfo``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from .invocation import Attempts


def invocation_record(
    *,
    function_arn: str,
    condition: str,
    attempts: Attempts,
    timestamp: float,
    batch_info: tuple[str, dict[str, Any]],
) -> dict[str, Any]:
    """The on-failure invocation record, shaped like Lambda's (``batch_info``: key, value)."""
    document: dict[str, Any] = {
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": attempts.invocations,
        },
    }
    if attempts.invocations:
        response: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
        if attempts.function_error:
            response["functionError"] = "Unhandled"
        document["responseContext"] = response
    key, info = batch_info
    document.update({"version": "1.0", "timestamp": iso_time(timestamp, milliseconds=True)})
    document[key] = info
    return document


def iso_time(epoch: float, milliseconds: bool = False) -> str:
    """An epoch time as Lambda writes it in invocation records (UTC, ``Z``)."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.isoformat(timespec="milliseconds" if milliseconds else "seconds").replace(
        "+00:00", "Z"
    )


class Destinations:
    """Sends invocation records to SQS queues or SNS topics, by ARN."""

    def __init__(
        self,
        clients: Callable[[str], Any],
        queue_url_for_arn: Callable[[str], str | None] = lambda _arn: None,
    ) -> None:
        self.clients = clients
        self.queue_url_for_arn = queue_url_for_arn

    def send(self, arn: str, document: dict[str, Any]) -> None:
        """Send one record; ``ValueError`` for a destination that is neither SQS nor SNS."""
        body = json.dumps(document)
        parts = arn.split(":", 5)
        if len(parts) != 6:
            raise ValueError(f"on-failure destination {arn} is not an ARN")
        service, account, name = parts[2], parts[4], parts[5]
        if service == "sqs":
            url = self.queue_url_for_arn(arn)
            sqs = self.clients("sqs")
            if url is None:
                url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody=body)
        elif service == "sns":
            self.clients("sns").publish(TopicArn=arn, Message=body)
        else:
            raise ValueError(f"on-failure destination {arn} is neither SQS nor SNS")
