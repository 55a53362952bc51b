"""API Gateway's resource tree: which resource (and method) a request path reaches.

A request path is matched segment by segment, a literal segment before a ``{param}``
before a greedy ``{proxy+}`` (which takes one or more segments); then the method (or
``ANY``) is looked up on the matched resource. Path parameters are decoded; sibling
resources must name a parameter alike (API Gateway refuses otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote

from ..template import TemplateError
from ..template.apis import ApiRoute


@dataclass
class _Node:
    resource: str
    literals: dict[str, _Node] = field(default_factory=dict)
    parameter: tuple[str, _Node] | None = None
    greedy: tuple[str, _Node] | None = None
    methods: dict[str, ApiRoute] = field(default_factory=dict)


@dataclass(frozen=True)
class Match:
    """A resource of the API that a request path matched, with its path parameters."""

    resource: str
    parameters: dict[str, str]
    methods: Mapping[str, ApiRoute]

    def route_for(self, method: str) -> ApiRoute | None:
        """The route of ``method`` on this resource, else its ``ANY`` route."""
        return self.methods.get(method) or self.methods.get("ANY")


class Router:
    """API Gateway's resource tree built from the functions' ``Api`` events."""

    def __init__(self, routes: list[ApiRoute]) -> None:
        self.root = _Node("/")
        for route in routes:
            self._add(route)

    def _add(self, route: ApiRoute) -> None:
        node = self.root
        for segment in [s for s in route.path.split("/") if s]:
            resource = node.resource.rstrip("/") + "/" + segment
            if segment.startswith("{") and segment.endswith("+}"):
                name = segment[1:-2]
                node.greedy = self._child(node.greedy, name, resource, route)
                node = node.greedy[1]
            elif segment.startswith("{") and segment.endswith("}"):
                name = segment[1:-1]
                node.parameter = self._child(node.parameter, name, resource, route)
                node = node.parameter[1]
            else:
                node = node.literals.setdefault(segment, _Node(resource))
        node.methods[route.method] = route

    @staticmethod
    def _child(
        existing: tuple[str, _Node] | None, name: str, resource: str, route: ApiRoute
    ) -> tuple[str, _Node]:
        if existing is None:
            return (name, _Node(resource))
        if existing[0] != name:
            raise TemplateError(
                f"{route.function_id}.{route.event_name}: {route.path} names a path parameter "
                f"{{{name}}} where a sibling resource names it {{{existing[0]}}} "
                "(API Gateway refuses this)"
            )
        return existing

    def match(self, raw_path: str) -> Match | None:
        """The resource matching a raw (percent-encoded) request path, or None."""
        path = raw_path[:-1] if raw_path.endswith("/") and raw_path != "/" else raw_path
        segments = path.split("/")[1:] if path != "/" else []
        found = self._walk(self.root, segments, 0, {})
        if found is None:
            return None
        node, parameters = found
        return Match(node.resource, parameters, node.methods)

    def _walk(
        self, node: _Node, segments: list[str], index: int, parameters: dict[str, str]
    ) -> tuple[_Node, dict[str, str]] | None:
        if index == len(segments):
            return node, parameters
        segment = segments[index]
        literal = node.literals.get(unquote(segment))
        if literal is not None:
            found = self._walk(literal, segments, index + 1, parameters)
            if found is not None:
                return found
        if node.parameter is not None and segment:
            name, child = node.parameter
            found = self._walk(child, segments, index + 1, {**parameters, name: unquote(segment)})
            if found is not None:
                return found
        if node.greedy is not None and all(segments[index:]):
            name, child = node.greedy
            rest = "/".join(segments[index:])
            return child, {**parameters, name: unquote(rest)}
        return None

    def resources(self) -> list[tuple[str, list[ApiRoute]]]:
        """Every resource with methods, depth first (for the banner)."""
        found: list[tuple[str, list[ApiRoute]]] = []

        def visit(node: _Node) -> None:
            if node.methods:
                found.append((node.resource, list(node.methods.values())))
            for child in node.literals.values():
                visit(child)
            for pair in (node.parameter, node.greedy):
                if pair is not None:
                    visit(pair[1])

        visit(self.root)
        return found
