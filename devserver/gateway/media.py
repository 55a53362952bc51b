"""Binary media types: when API Gateway base64-encodes a body, and when it decodes one."""

from __future__ import annotations

import contextlib


def media_matches(media_type: str, patterns: tuple[str, ...]) -> bool:
    media_type = media_type.split(";", 1)[0].strip().lower()
    if not media_type:
        return False
    for pattern in patterns:
        pattern = pattern.lower()
        if pattern in ("*/*", media_type):
            return True
        if pattern.endswith("/*") and media_type.startswith(pattern[:-1]):
            return True
    return False


def accept_matches(accept: str | None, patterns: tuple[str, ...]) -> bool:
    """Whether the request's Accept prefers a binary media type (API Gateway's rule)."""
    if not accept or not patterns:
        return False
    candidates = []
    for position, part in enumerate(accept.split(",")):
        media, *parameters = [p.strip() for p in part.split(";")]
        quality = 1.0
        for parameter in parameters:
            if parameter.startswith("q="):
                with contextlib.suppress(ValueError):
                    quality = float(parameter[2:])
        candidates.append((-quality, position, media))
    candidates.sort()
    return bool(candidates) and candidates[0][0] < 0 and media_matches(candidates[0][2], patterns)
