"""The consumers' dead-letter queues as the admin consumers page sees them: depth, redrive.

The deployment's consumer resources (queues, functions, by logical id) come in one variable,
``CONSUMER_RESOURCES`` (JSON, written by the template for the topology deployed), so the
admin function needs no CloudFormation: it reads the depths and delivers the dead letters
again with the same code as ``python -m video_tutorials.redrive``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from message_store.aws import error_code
from message_store.errors import MessageStoreUnavailableError
from message_store.registry import Consumer

from .consumers import dead_letter_queue_id
from .redrive import STREAM_DEAD_LETTERS, Outcome, redrive
from .stack import Stack


class DeadLettersUnavailableError(MessageStoreUnavailableError):
    """SQS (or Lambda, for a redrive) could not be asked; the reason is in the message. Like the
    store being unavailable, the pages answer 503 and nothing is lost."""


@dataclass(frozen=True)
class DeadLetterDepth:
    """How many letters wait, and where: a consumer's own queue, or the stream mappings'."""

    queue: str
    letters: int
    shared: bool


class DeadLetters:
    """The dead-letter queues of a deployment's consumers."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack

    @classmethod
    def from_json(cls, resources: str) -> DeadLetters:
        """From ``CONSUMER_RESOURCES`` (``{logicalId: physicalId}``)."""
        document: dict[str, Any] = json.loads(resources or "{}")
        return cls(Stack("this deployment", {k: str(v) for k, v in document.items()}))

    def depth(self, consumer: Consumer) -> DeadLetterDepth | None:
        """Where ``consumer``'s dead letters wait and how many (``None``: no such queue)."""
        own = dead_letter_queue_id(consumer)
        if self.stack.has(own):
            return DeadLetterDepth(own, self._count(self.stack.physical_id(own)), shared=False)
        if self.stack.has(STREAM_DEAD_LETTERS):
            url = self.stack.physical_id(STREAM_DEAD_LETTERS)
            return DeadLetterDepth(STREAM_DEAD_LETTERS, self._count(url), shared=True)
        return None

    def redrive(self, consumer: Consumer) -> tuple[Outcome, list[str]]:
        """Deliver ``consumer``'s dead letters again; what was done, and the lines it said."""
        said: list[str] = []
        try:
            outcome = redrive(self.stack, said.append, names=[consumer.name])
        except Exception as exc:  # SQS, DynamoDB Streams or Lambda refused: say which
            raise DeadLettersUnavailableError(f"redrive: {error_code(exc) or exc}") from exc
        return outcome, said

    def _count(self, url: str) -> int:
        try:
            attributes = self.stack.client("sqs").get_queue_attributes(
                QueueUrl=url,
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                ],
            )["Attributes"]
        except Exception as exc:
            raise DeadLettersUnavailableError(f"{url}: {error_code(exc) or exc}") from exc
        return sum(int(value) for value in attributes.values())
