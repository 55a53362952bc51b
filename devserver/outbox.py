"""The mail sent through the emulator's SES, readable from Python.

The emulator writes every mail sent with SES (``SendEmail``, ``SendRawEmail``, SES v2
``SendEmail``) to ``<state dir>/outbox/`` as one JSON file, oldest first by name::

    from devserver.outbox import sent_mail
    [mail] = sent_mail(state_dir, to="ada@example.com")
    mail.subject, mail.text, mail.html

``DevServer.sent_mail(to=...)`` does the same for a running devserver.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .template.loading import ROOT

DEFAULT_STATE_DIR = ROOT / ".devserver"


@dataclass(frozen=True)
class Mail:
    """One sent mail: addresses, subject, bodies (text and/or HTML), the raw MIME if any."""

    id: str
    timestamp: str
    source: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    bcc: tuple[str, ...]
    reply_to: tuple[str, ...]
    subject: str | None
    text: str | None
    html: str | None
    raw: str | None
    path: Path

    @classmethod
    def from_document(cls, document: dict[str, Any], path: Path) -> Mail:
        """A mail from the outbox file's JSON."""
        return cls(
            id=document["id"],
            timestamp=document.get("timestamp", ""),
            source=document.get("source"),
            to=tuple(document.get("to") or ()),
            cc=tuple(document.get("cc") or ()),
            bcc=tuple(document.get("bcc") or ()),
            reply_to=tuple(document.get("replyTo") or ()),
            subject=document.get("subject"),
            text=document.get("text"),
            html=document.get("html"),
            raw=document.get("raw"),
            path=path,
        )

    @property
    def recipients(self) -> tuple[str, ...]:
        """Every address the mail went to (to, cc and bcc)."""
        return (*self.to, *self.cc, *self.bcc)


def outbox_dir(state_dir: Path | str | None = None) -> Path:
    """The outbox folder of a state directory (the default one: ``.devserver/``)."""
    return Path(state_dir or DEFAULT_STATE_DIR) / "outbox"


def sent_mail(state_dir: Path | str | None = None, *, to: str | None = None) -> list[Mail]:
    """The mail sent so far, oldest first; only mail to ``to`` when given (any of to/cc/bcc).

    Addresses compare case-insensitively and match a ``Name <address>`` recipient too.
    """
    folder = outbox_dir(state_dir)
    if not folder.is_dir():
        return []
    mails = []
    for path in sorted(folder.glob("*.json")):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # being written: it will be there next time
        mails.append(Mail.from_document(document, path))
    if to is not None:
        wanted = to.strip().lower()
        mails = [m for m in mails if any(_address(r) == wanted for r in m.recipients)]
    return mails


def clear_outbox(state_dir: Path | str | None = None) -> None:
    """Delete every mail of the outbox."""
    shutil.rmtree(outbox_dir(state_dir), ignore_errors=True)


def _address(recipient: str) -> str:
    recipient = recipient.strip()
    if recipient.endswith(">") and "<" in recipient:
        recipient = recipient.rsplit("<", 1)[1][:-1]
    return recipient.lower()
