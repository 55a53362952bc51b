"""Finding a function by any name Lambda accepts for it."""

from __future__ import annotations

from collections.abc import Mapping

from ..template.functions import FunctionSpec


def find_function(functions: Mapping[str, FunctionSpec], name: str) -> str | None:
    """The logical id of the function ``name`` names, or None.

    ``name`` is what Lambda's ``FunctionName`` takes — the function's name, its ARN or a
    partial ARN (``123456789012:function:Name``), with or without the ``$LATEST``
    qualifier — or, locally, its logical id.
    """
    bare = name.removesuffix(":$LATEST")
    for logical_id, spec in functions.items():
        if bare in (logical_id, spec.name, spec.arn) or spec.arn.endswith(f":{bare}"):
            return logical_id
    return None
