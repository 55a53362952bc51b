"""The order in which resources are made: each after those its properties refer to."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from ...template import TemplateError


def references(value: Any) -> Iterable[str]:
    """Logical ids (or parameters) a property value refers to."""
    if isinstance(value, list):
        for item in value:
            yield from references(item)
    elif isinstance(value, dict):
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref" and isinstance(argument, str):
                yield argument
                return
            if key == "Fn::GetAtt":
                yield argument[0] if isinstance(argument, list) else str(argument).split(".")[0]
                return
            if key == "Fn::Sub":
                text = argument[0] if isinstance(argument, list) else argument
                for name in re.findall(r"\$\{([^}!][^}]*)\}", str(text)):
                    yield name.split(".")[0]
        for item in value.values():
            yield from references(item)


def dependency_order(resources: Mapping[str, Any]) -> list[str]:
    """Logical ids so that every resource comes after those its properties refer to."""
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(logical_id: str, path: tuple[str, ...]) -> None:
        if state.get(logical_id) == "done":
            return
        if state.get(logical_id) == "visiting":
            raise TemplateError(f"circular references: {' -> '.join((*path, logical_id))}")
        state[logical_id] = "visiting"
        resource = resources[logical_id]
        for name in references([resource.get("Properties") or {}, resource.get("DependsOn") or []]):
            if name in resources and name != logical_id:
                visit(name, (*path, logical_id))
        depends = resource.get("DependsOn") or []
        for name in [depends] if isinstance(depends, str) else depends:
            if name in resources:
                visit(name, (*path, logical_id))
        state[logical_id] = "done"
        order.append(logical_id)

    for logical_id in resources:
        visit(logical_id, ())
    return order
