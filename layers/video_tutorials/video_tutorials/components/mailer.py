"""Sending email through Amazon SES (the emulator's SES locally)."""

from __future__ import annotations

from typing import Any

from message_store import aws
from message_store.aws import error_code

from .send_email import DeliveryError

# SES's answers that no retry will change
_REFUSALS = frozenset(
    {
        "MessageRejected",
        "MailFromDomainNotVerifiedException",
        "InvalidParameterValue",
        "AccountSendingPausedException",
        "ConfigurationSetDoesNotExist",
    }
)


class MailerUnavailableError(Exception):
    """SES failed in a way a retry may fix (throttling, an outage)."""


class SesMailer:
    """Sends email from ``sender`` with SES v1 ``SendEmail``."""

    def __init__(self, sender: str, client: Any | None = None) -> None:
        self.sender = sender
        self._client = client

    client = aws.LazyClient("ses")

    def send(self, *, to: str, subject: str, text: str, html: str) -> None:
        """Send one email; ``DeliveryError`` when SES refuses it for good."""
        try:
            self.client.send_email(
                Source=self.sender,
                Destination={"ToAddresses": [to]},
                Message={
                    "Subject": {"Data": subject, "Charset": "UTF-8"},
                    "Body": {
                        "Text": {"Data": text, "Charset": "UTF-8"},
                        "Html": {"Data": html, "Charset": "UTF-8"},
                    },
                },
            )
        except Exception as exc:
            code = error_code(exc)
            if code in _REFUSALS:
                raise DeliveryError(f"{code}: {exc}") from exc
            raise MailerUnavailableError(f"SES SendEmail failed: {code or exc}") from exc
