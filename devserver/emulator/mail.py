"""The SES outbox: every mail sent through the emulator, one JSON file per mail.

moto's SES keeps sent messages in memory, and only one of a mail's text and HTML bodies;
the request itself has both. So after each SES request the new messages are written to the
outbox folder with what the request said (subject, bodies, every recipient list), and
announced on the event pipe so the devserver prints a console line.
"""

from __future__ import annotations

import email
import email.policy
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from .pipe import emit


class Outbox:
    """Writes the mail moto's SES backends have sent since the last look."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._seen = self._sent_counts()

    def _sent_counts(self) -> dict[tuple[str, str], int]:
        from moto.ses.models import ses_backends

        return {
            (account, region): len(backend.sent_messages)
            for account, regions in ses_backends.items()
            for region, backend in regions.items()
        }

    def collect(self, environ: dict[str, Any], body: bytes) -> None:
        """Write the mail sent by this SES request (the caller holds the emulator's lock)."""
        from moto.ses.models import ses_backends

        request = _mail_request(environ, body)
        for account, regions in ses_backends.items():
            for region, backend in regions.items():
                seen = self._seen.get((account, region), 0)
                for message in backend.sent_messages[seen:]:
                    self._write(_mail_document(message, request))
                self._seen[(account, region)] = len(backend.sent_messages)

    def _write(self, document: dict[str, Any]) -> None:
        path = None
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / f"{time.time_ns()}-{document['id']}.json"
            path.write_text(json.dumps(document, indent=2), encoding="utf-8")
        summary = {k: document.get(k) for k in ("id", "source", "to", "subject")}
        emit({"event": "mail", **summary, "file": str(path) if path else None})


def _mail_request(environ: dict[str, Any], body: bytes) -> dict[str, Any]:
    """What the SES request itself says (moto keeps only one of text and HTML)."""
    content_type = environ.get("CONTENT_TYPE", "")
    if "x-www-form-urlencoded" in content_type:
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}

        def members(prefix: str) -> list[str]:
            keys = sorted(
                (k for k in form if k.startswith(f"{prefix}.member.")),
                key=lambda k: int(k.rsplit(".", 1)[-1]),
            )
            return [form[k] for k in keys]

        return {
            "text": form.get("Message.Body.Text.Data"),
            "html": form.get("Message.Body.Html.Data"),
            "subject": form.get("Message.Subject.Data"),
            "to": members("Destination.ToAddresses"),
            "cc": members("Destination.CcAddresses"),
            "bcc": members("Destination.BccAddresses"),
            "replyTo": members("ReplyToAddresses"),
        }
    if "json" in content_type or body.startswith(b"{"):
        try:
            document = json.loads(body or b"{}")
        except ValueError:
            return {}
        simple = (document.get("Content") or {}).get("Simple") or {}
        destination = document.get("Destination") or {}
        return {
            "text": ((simple.get("Body") or {}).get("Text") or {}).get("Data"),
            "html": ((simple.get("Body") or {}).get("Html") or {}).get("Data"),
            "subject": (simple.get("Subject") or {}).get("Data"),
            "to": destination.get("ToAddresses") or [],
            "cc": destination.get("CcAddresses") or [],
            "bcc": destination.get("BccAddresses") or [],
            "replyTo": document.get("ReplyToAddresses") or [],
        }
    return {}


def _mail_document(message: Any, request: dict[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": getattr(message, "id", None) or (getattr(message, "ids", None) or ["?"])[0],
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "source": getattr(message, "source", None),
        "to": [],
        "cc": [],
        "bcc": [],
        "replyTo": [],
        "subject": None,
        "text": None,
        "html": None,
    }
    raw = getattr(message, "raw_data", None)
    if raw is not None:
        parsed = email.message_from_string(raw, policy=email.policy.default)
        document.update(
            subject=parsed.get("Subject"),
            to=[str(a) for a in getattr(parsed.get("To"), "addresses", [])] or message.destinations,
            cc=[str(a) for a in getattr(parsed.get("Cc"), "addresses", [])],
            raw=raw,
        )
        for kind in ("plain", "html"):
            part = parsed.get_body(preferencelist=(kind,))
            if part is not None:
                document["text" if kind == "plain" else "html"] = part.get_content()
        return document
    destinations = getattr(message, "destinations", None) or {}
    if isinstance(destinations, dict):
        document.update(
            to=destinations.get("ToAddresses", []),
            cc=destinations.get("CcAddresses", []),
            bcc=destinations.get("BccAddresses", []),
        )
    if hasattr(message, "template"):
        document.update(template=message.template, templateData=message.template_data)
    document["subject"] = getattr(message, "subject", None)
    body = getattr(message, "body", None)
    for key in ("to", "cc", "bcc", "replyTo", "subject", "text", "html"):
        if request.get(key):
            document[key] = request[key]
    if body is not None and not (document["text"] or document["html"]):
        document["text"] = body
    return document
