"""SES identities, verified at once so that mail can be sent from them (as on AWS)."""

from __future__ import annotations

from typing import Any

from ...template.resource_types import EMAIL_IDENTITY_TYPE
from .context import ProvisionContext
from .inventory import LocalResource

_IDENTITY_PROPERTIES = frozenset(
    {
        "EmailIdentity",
        "ConfigurationSetAttributes",
        "DkimAttributes",
        "DkimSigningAttributes",
        "FeedbackAttributes",
        "MailFromAttributes",
    }
)


def provision_email_identity(
    context: ProvisionContext, logical_id: str, properties: dict[str, Any]
) -> LocalResource:
    """Verify one address or domain (on the emulator; a deployed stack's is verified)."""
    client = context.clients("ses")
    context.report.unknown_properties(logical_id, properties, _IDENTITY_PROPERTIES)
    identity = properties["EmailIdentity"]
    if context.create:
        if "@" in identity:
            client.verify_email_identity(EmailAddress=identity)
        else:
            client.verify_domain_identity(Domain=identity)
    return LocalResource(
        logical_id, EMAIL_IDENTITY_TYPE, identity, identity, {}, f"{identity} (verified)"
    )
