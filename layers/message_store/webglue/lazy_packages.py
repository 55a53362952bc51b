"""Powertools' package ``__init__``s, loaded name by name: a cold start imports what it uses.

``aws_lambda_powertools.event_handler/__init__.py`` imports every resolver Powertools has
(AppSync's, Bedrock's, VPC Lattice's …) and ``utilities/data_classes/__init__.py`` every
event class (Kafka, S3, CloudWatch …): an application that uses the REST resolver and
API Gateway's proxy event paid for them all at every cold start, ~40 ms on this machine.

``load_lazily(package)`` puts the package in ``sys.modules`` without running its
``__init__``: the module has the package's ``__path__`` (so its submodules import as ever)
and a module ``__getattr__`` (PEP 562) that imports a name's submodule the first time the
name is asked for. Which submodule holds which name is read from the ``__init__``'s own
``from .sub import Name`` lines, so nothing here lists Powertools' names; an ``__init__``
that does anything else (a statement other than those imports, ``__all__`` and its
docstring) is left to load as usual. Everything still resolves —
``from aws_lambda_powertools.event_handler import AppSyncResolver`` works — only later.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

#: The packages the functions load lazily (``webglue`` installs them when imported).
POWERTOOLS_PACKAGES = (
    "aws_lambda_powertools.event_handler",
    "aws_lambda_powertools.utilities.data_classes",
)


def load_lazily(package: str) -> bool:
    """Put ``package`` in ``sys.modules`` with its names imported on first use.

    True when it is lazy now (or was made so before); False when it was imported already,
    cannot be found, or its ``__init__`` does more than import names from its submodules
    (then nothing changes and it loads as usual).
    """
    existing = sys.modules.get(package)
    if existing is not None:
        return bool(getattr(existing, "__lazy_names__", None))
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None or spec.submodule_search_locations is None:
        return False
    names = _names_by_submodule(package, Path(spec.origin).read_text(encoding="utf-8"))
    if names is None:
        return False
    module = importlib.util.module_from_spec(spec)
    module.__lazy_names__ = names  # type: ignore[attr-defined]
    module.__all__ = list(names)  # type: ignore[attr-defined]

    def __getattr__(name: str) -> Any:
        try:
            submodule = names[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        # ``__import__``, not ``importlib.import_module``: ``-X importtime`` sees it
        value = getattr(__import__(submodule, fromlist=[name]), name)
        setattr(module, name, value)
        return value

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    sys.modules[package] = module
    for name, submodule in names.items():
        if submodule == f"{package}.{name}":
            # a name its own submodule is called by: importing that submodule anywhere sets
            # the package's attribute to the module and would hide the name, so bind it now
            __getattr__(name)
    parent, _, child = package.rpartition(".")
    if parent:
        setattr(importlib.import_module(parent), child, module)
    return True


def _names_by_submodule(package: str, source: str) -> dict[str, str] | None:
    """``{name: absolute submodule}`` from an ``__init__`` that only imports names (and
    sets ``__all__``); None when it does anything else."""
    names: dict[str, str] = {}
    for index, node in enumerate(ast.parse(source).body):
        if isinstance(node, ast.ImportFrom) and node.module is not None:
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                submodule = f"{base}.{node.module}"
            else:
                submodule = node.module
            if not submodule.startswith(package + "."):
                return None  # a name from elsewhere: let the package load as usual
            for alias in node.names:
                if alias.name == "*" or alias.asname not in (None, alias.name):
                    return None
                names[alias.name] = submodule
        elif _is_docstring(node, index) or _sets_all(node):
            continue
        else:
            return None
    return names


def _is_docstring(node: ast.stmt, index: int) -> bool:
    return (
        index == 0
        and isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _sets_all(node: ast.stmt) -> bool:
    targets = node.targets if isinstance(node, ast.Assign) else []
    return len(targets) == 1 and isinstance(targets[0], ast.Name) and targets[0].id == "__all__"


def load_powertools_lazily() -> None:
    """Make Powertools' resolver and event-class packages lazy (see the module docstring)."""
    for package in POWERTOOLS_PACKAGES:
        load_lazily(package)


__all__ = ["POWERTOOLS_PACKAGES", "load_lazily", "load_powertools_lazily"]
