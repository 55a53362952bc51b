"""Reading HTML forms: the urlencoded body, and per-field messages for the page."""

from __future__ import annotations

from urllib.parse import parse_qsl

from pydantic import ValidationError

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
#: A form of this site has a handful of fields; a body with more is not one of ours.
MAX_FORM_FIELDS = 64


class FormBodyError(ValueError):
    """The body is not a readable urlencoded form."""


def parse_form(body: bytes, *, max_fields: int = MAX_FORM_FIELDS) -> dict[str, str]:
    """A urlencoded body as ``{field: first value}``.

    Strict where browsers are: UTF-8 only (a form page declares ``charset=utf-8``), at most
    ``max_fields`` fields. Anything else raises ``FormBodyError``.
    """
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=False,
            encoding="utf-8",
            errors="strict",
            max_num_fields=max_fields,
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise FormBodyError(str(exc)) from exc
    form: dict[str, str] = {}
    for name, value in pairs:
        form.setdefault(name, value)
    return form


def field_errors(error: ValidationError) -> dict[str, str]:
    """The first message of each invalid field, keyed by the field's name in the form.

    Field validators raise ``pydantic_core.PydanticCustomError`` with a message meant for
    people; errors of the model itself (no field) are keyed ``""``.
    """
    messages: dict[str, str] = {}
    for item in error.errors(include_url=False, include_input=False):
        location = item.get("loc") or ("",)
        messages.setdefault(str(location[0]), item["msg"])
    return messages
