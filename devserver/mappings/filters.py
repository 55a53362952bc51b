"""Lambda's event filtering: ``FilterCriteria`` patterns matched against stream records.

The syntax is Lambda's (a subset of EventBridge's): a pattern is a JSON object whose
leaves are arrays of accepted values; a record matches when every field of the pattern
matches (AND), a field matches when any value of its array matches (OR), and a record
matches the criteria when any of its filters matches (at most 5). Value forms: literal
strings, numbers, booleans and ``null``; ``{"prefix": …}``, ``{"suffix": …}``,
``{"equals-ignore-case": …}``, ``{"anything-but": […]}`` (or one value, or a ``prefix``),
``{"numeric": [op, n, …]}`` and ``{"exists": bool}``. An array in the record matches when
any of its elements does.

DynamoDB numbers (``{"N": "5"}``) are strings in the record; ``numeric`` accepts a numeric
string as well as a JSON number, so ``{"N": [{"numeric": [">", 0]}]}`` works.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_FILTERS = 5
_MISSING = object()
_NUMERIC_OPERATORS = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
_VALUE_OPERATORS = frozenset(
    {"prefix", "suffix", "equals-ignore-case", "anything-but", "numeric", "exists"}
)


@dataclass(frozen=True)
class FilterPattern:
    """One parsed filter: the pattern's JSON text and its parsed form."""

    text: str
    pattern: Mapping[str, Any]

    def matches(self, record: Mapping[str, Any]) -> bool:
        """Whether ``record`` (a Lambda-shaped stream record) matches this pattern."""
        return _match_object(self.pattern, record)


def parse_filter_criteria(criteria: Any) -> tuple[FilterPattern, ...]:
    """The filters of a ``FilterCriteria`` property; ``ValueError`` naming what is wrong."""
    if criteria is None:
        return ()
    if not isinstance(criteria, Mapping) or not isinstance(criteria.get("Filters"), list):
        raise ValueError("expected {Filters: [{Pattern: ...}, ...]}")
    filters = criteria["Filters"]
    if len(filters) > MAX_FILTERS:
        raise ValueError(f"at most {MAX_FILTERS} filters, not {len(filters)}")
    parsed = []
    for index, entry in enumerate(filters):
        text = entry.get("Pattern") if isinstance(entry, Mapping) else None
        if isinstance(text, Mapping):
            text = json.dumps(text)
        if not isinstance(text, str):
            raise ValueError(f"filter {index}: Pattern must be a JSON string")
        try:
            pattern = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"filter {index}: Pattern is not JSON ({exc})") from None
        _validate(pattern, f"filter {index}")
        parsed.append(FilterPattern(text=text, pattern=pattern))
    return tuple(parsed)


def matches_any(filters: tuple[FilterPattern, ...], record: Mapping[str, Any]) -> bool:
    """Whether a record passes the criteria (no filters: every record passes)."""
    return not filters or any(f.matches(record) for f in filters)


def _validate(pattern: Any, where: str) -> None:
    if not isinstance(pattern, Mapping) or not pattern:
        raise ValueError(f"{where}: a pattern is a non-empty JSON object")
    for key, value in pattern.items():
        path = f"{where}.{key}"
        if isinstance(value, Mapping):
            _validate(value, path)
        elif isinstance(value, list):
            if not value:
                raise ValueError(f"{path}: an empty array matches nothing")
            for item in value:
                _validate_value(item, path)
        else:
            raise ValueError(f"{path}: leaves must be arrays of values, not {value!r}")


def _validate_value(item: Any, path: str) -> None:
    if item is None or isinstance(item, str | int | float | bool):
        return
    if not isinstance(item, Mapping) or len(item) != 1:
        raise ValueError(f"{path}: {item!r} is not a value or one operator")
    ((operator, argument),) = item.items()
    if operator not in _VALUE_OPERATORS:
        raise ValueError(f"{path}: unknown operator {operator!r}")
    if operator == "numeric":
        if not isinstance(argument, list) or len(argument) not in (2, 4):
            raise ValueError(f"{path}: numeric takes [op, n] or [op, n, op, n]")
        for op, number in zip(argument[::2], argument[1::2], strict=True):
            if op not in _NUMERIC_OPERATORS or not isinstance(number, int | float):
                raise ValueError(f"{path}: bad numeric comparison {op!r} {number!r}")
    elif operator == "exists":
        if not isinstance(argument, bool):
            raise ValueError(f"{path}: exists takes true or false")
    elif operator in ("prefix", "suffix", "equals-ignore-case") and not isinstance(argument, str):
        raise ValueError(f"{path}: {operator} takes a string")


def _match_object(pattern: Mapping[str, Any], value: Any) -> bool:
    for key, expected in pattern.items():
        actual = value.get(key, _MISSING) if isinstance(value, Mapping) else _MISSING
        if isinstance(expected, Mapping):
            if actual is _MISSING:
                if not _only_absence(expected):
                    return False
                continue
            if isinstance(actual, list):
                if not any(_match_object(expected, element) for element in actual):
                    return False
            elif not _match_object(expected, actual):
                return False
        elif not _match_values(expected, actual):
            return False
    return True


def _only_absence(pattern: Mapping[str, Any]) -> bool:
    """A missing object matches a nested pattern only if all it asks is absence."""
    for expected in pattern.values():
        if isinstance(expected, Mapping):
            if not _only_absence(expected):
                return False
        elif not any(
            isinstance(item, Mapping) and item.get("exists") is False for item in expected
        ):
            return False
    return True


def _match_values(accepted: list[Any], actual: Any) -> bool:
    if isinstance(actual, list):
        return any(_match_values(accepted, element) for element in actual)
    return any(_match_value(item, actual) for item in accepted)


def _match_value(item: Any, actual: Any) -> bool:
    if isinstance(item, Mapping):
        ((operator, argument),) = item.items()
        if operator == "exists":
            return (actual is not _MISSING) == argument
        if actual is _MISSING:
            return False
        if operator == "prefix":
            return isinstance(actual, str) and actual.startswith(argument)
        if operator == "suffix":
            return isinstance(actual, str) and actual.endswith(argument)
        if operator == "equals-ignore-case":
            return isinstance(actual, str) and actual.lower() == argument.lower()
        if operator == "anything-but":
            if isinstance(argument, Mapping) and "prefix" in argument:
                return not (isinstance(actual, str) and actual.startswith(argument["prefix"]))
            excluded = argument if isinstance(argument, list) else [argument]
            return not any(_equal(value, actual) for value in excluded)
        if operator == "numeric":
            number = _number(actual)
            if number is None:
                return False
            pairs = zip(argument[::2], argument[1::2], strict=True)
            return all(_NUMERIC_OPERATORS[op](number, bound) for op, bound in pairs)
        return False
    if actual is _MISSING:
        return False
    return _equal(item, actual)


def _equal(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return float(expected) == float(actual)
    return expected == actual


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None
