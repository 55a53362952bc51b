"""SAM's ``Globals``: merged into each resource of their kind as SAM merges them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def merge_globals(global_value: Any, resource_value: Any) -> Any:
    """SAM's ``Globals`` rule: maps merged, lists added, anything else overridden."""
    if _is_plain_map(global_value) and _is_plain_map(resource_value):
        merged = dict(global_value)
        for key, value in resource_value.items():
            merged[key] = merge_globals(global_value[key], value) if key in merged else value
        return merged
    if isinstance(global_value, list) and isinstance(resource_value, list):
        return [*global_value, *resource_value]
    return resource_value


def _is_plain_map(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    if len(value) == 1:
        (key,) = value
        return not (key == "Ref" or key.startswith("Fn::") or key == "Condition")
    return True


def with_globals(
    properties: Mapping[str, Any], globals_section: Mapping[str, Any] | None
) -> dict[str, Any]:
    """A resource's properties with SAM's globals of its kind merged in."""
    merged = dict(globals_section or {})
    for key, value in properties.items():
        merged[key] = merge_globals(merged[key], value) if key in merged else value
    return merged
