"""Intrinsic functions and conditions, resolved against what exists locally.

``Intrinsics`` resolves ``!Ref``, ``!GetAtt``, ``!Sub`` and the other functions against
known parameter values, references and attributes; ``evaluate_conditions`` gives the value
of each of the template's ``Conditions``. Anything unknown raises ``TemplateError`` naming
it, so an unsupported template is reported, not half-run.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from .loading import TemplateError


def evaluate_conditions(template: Mapping[str, Any], refs: Mapping[str, Any]) -> dict[str, bool]:
    """The value of each of the template's ``Conditions`` (they may use one another)."""
    definitions = template.get("Conditions") or {}
    values: dict[str, bool] = {}
    resolving: set[str] = set()

    class _Lazy(dict):  # conditions evaluated on first use, cycles refused
        def __contains__(self, name: object) -> bool:
            return name in definitions

        def __getitem__(self, name: str) -> bool:
            if name in values:
                return values[name]
            if name in resolving:
                raise TemplateError(f"condition {name} depends on itself")
            resolving.add(name)
            values[name] = bool(intrinsics.resolve(definitions[name]))
            resolving.discard(name)
            return values[name]

    intrinsics = Intrinsics(refs=refs, mappings=template.get("Mappings"))
    intrinsics.conditions = _Lazy()
    for name in definitions:
        intrinsics.conditions[name]
    return values


_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


class Intrinsics:
    """Resolves intrinsic functions against known parameter values, refs and attributes.

    ``refs`` maps a logical id or parameter to what ``!Ref`` gives; ``attributes`` maps
    ``(logical id, attribute)`` to what ``!GetAtt`` gives. Anything unknown raises
    ``TemplateError`` naming it, so an unsupported template is reported, not half-run.
    """

    def __init__(
        self,
        refs: Mapping[str, Any],
        attributes: Mapping[tuple[str, str], Any] | None = None,
        conditions: Mapping[str, bool] | None = None,
        mappings: Mapping[str, Any] | None = None,
    ) -> None:
        self.refs = dict(refs)
        self.attributes = dict(attributes or {})
        self.conditions: Mapping[str, bool] = dict(conditions or {})
        self.mappings = dict(mappings or {})

    def resolve(self, value: Any) -> Any:
        """``value`` with every intrinsic function replaced by its value."""
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            handler = self._handlers().get(key)
            if handler is not None:
                return handler(argument)
        return {key: self.resolve(item) for key, item in value.items()}

    def _handlers(self) -> dict[str, Callable[[Any], Any]]:
        return {
            "Ref": self._ref,
            "Fn::GetAtt": self._get_att,
            "Fn::Sub": self._sub,
            "Fn::Join": lambda a: str(a[0]).join(str(x) for x in self.resolve(a[1])),
            "Fn::Select": lambda a: self.resolve(a[1])[int(self.resolve(a[0]))],
            "Fn::Split": lambda a: str(self.resolve(a[1])).split(a[0]),
            "Fn::If": self._if,
            "Fn::Equals": lambda a: str(self.resolve(a[0])) == str(self.resolve(a[1])),
            "Fn::Not": lambda a: not self.resolve(a[0]),
            "Fn::And": lambda a: all(self.resolve(x) for x in a),
            "Fn::Or": lambda a: any(self.resolve(x) for x in a),
            "Condition": lambda name: self._condition(name),
            "Fn::FindInMap": self._find_in_map,
            "Fn::Base64": lambda a: base64.b64encode(str(self.resolve(a)).encode()).decode(),
            "Fn::GetAZs": lambda a: [
                f"{self.refs.get('AWS::Region', 'us-east-1')}{z}" for z in "abc"
            ],
            "Fn::ToJsonString": lambda a: json.dumps(self.resolve(a), separators=(",", ":")),
            "Fn::ImportValue": self._import_value,
        }

    def _find_in_map(self, argument: list[Any]) -> Any:
        name, top, second = (self.resolve(part) for part in argument[:3])
        try:
            return self.mappings[name][top][second]
        except KeyError:
            raise TemplateError(f"!FindInMap [{name}, {top}, {second}]: no such entry") from None

    def _import_value(self, argument: Any) -> Any:
        name = self.resolve(argument)
        raise TemplateError(f"!ImportValue {name}: other stacks' exports are not available locally")

    def _ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return None
        if name not in self.refs:
            raise TemplateError(f"!Ref {name}: not a resource or parameter the devserver knows")
        return self.refs[name]

    def _get_att(self, argument: list[str]) -> Any:
        logical_id, attribute = argument[0], argument[1]
        key = (logical_id, attribute)
        if key not in self.attributes:
            raise TemplateError(f"!GetAtt {logical_id}.{attribute}: not supported locally")
        return self.attributes[key]

    def _sub(self, argument: Any) -> str:
        if isinstance(argument, list):
            text, variables = argument[0], self.resolve(argument[1])
        else:
            text, variables = argument, {}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(variables[name])
            if "." in name:
                logical_id, attribute = name.split(".", 1)
                return str(self._get_att([logical_id, attribute]))
            return str(self._ref(name))

        return _SUB_VARIABLE.sub(replace, text).replace("${!", "${")

    def _if(self, argument: list[Any]) -> Any:
        name, when_true, when_false = argument
        return self.resolve(when_true if self._condition(name) else when_false)

    def _condition(self, name: str) -> bool:
        if name not in self.conditions:
            raise TemplateError(f"condition {name}: not defined in the template")
        return self.conditions[name]
