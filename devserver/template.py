"""Reading ``template.yaml``: CloudFormation's short-form tags and intrinsic functions.

The template is the one source of the system's shape: the tests build their tables from
it and the devserver builds everything it runs from it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "template.yaml"

_SHORT_FORMS = {
    "Ref": "Ref",
    "Condition": "Condition",
    "GetAtt": "Fn::GetAtt",
    "Sub": "Fn::Sub",
    "Join": "Fn::Join",
    "Select": "Fn::Select",
    "Split": "Fn::Split",
    "If": "Fn::If",
    "Equals": "Fn::Equals",
    "Not": "Fn::Not",
    "And": "Fn::And",
    "Or": "Fn::Or",
    "FindInMap": "Fn::FindInMap",
    "ImportValue": "Fn::ImportValue",
    "GetAZs": "Fn::GetAZs",
    "Base64": "Fn::Base64",
    "Cidr": "Fn::Cidr",
    "ToJsonString": "Fn::ToJsonString",
}


class TemplateError(Exception):
    """The template uses something this reader cannot resolve (named in the message)."""


class _Loader(yaml.SafeLoader):
    """SafeLoader that turns ``!Ref x`` into ``{"Ref": "x"}`` and so on."""


def _tag_constructor(long_name: str) -> Callable[[yaml.SafeLoader, yaml.Node], Any]:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if long_name == "Fn::GetAtt" and isinstance(value, str):
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {long_name: value}

    return construct


for _short, _long in _SHORT_FORMS.items():
    _Loader.add_constructor(f"!{_short}", _tag_constructor(_long))


def load_template(path: Path | str = TEMPLATE_PATH) -> dict[str, Any]:
    """The template as plain data, intrinsic functions in their long form."""
    with open(path, encoding="utf-8") as handle:
        template = yaml.load(handle, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    if not isinstance(template, dict) or "Resources" not in template:
        raise TemplateError(f"{path} is not a CloudFormation template (no Resources)")
    return template


def parameter_defaults(template: Mapping[str, Any]) -> dict[str, str]:
    """Each parameter's default, as the string CloudFormation would pass."""
    return {
        name: str(spec["Default"])
        for name, spec in (template.get("Parameters") or {}).items()
        if "Default" in spec
    }


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
    ) -> None:
        self.refs = dict(refs)
        self.attributes = dict(attributes or {})
        self.conditions = dict(conditions or {})

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
        }

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
