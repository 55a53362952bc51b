"""Finding consumers in their modules, so that none is registered by hand.

A consumer is a module-level ``Component`` or ``Aggregator`` in a package's modules; adding
one is adding its module. ``discover`` imports each module of the package and collects them.
"""

from __future__ import annotations

import importlib
import pkgutil

from .aggregator import Aggregator
from .consumer import Component

Consumer = Component | Aggregator


def discover(*packages: str) -> dict[str, Consumer]:
    """Every consumer defined in the modules of ``packages``, by name (names are unique)."""
    found: dict[str, Consumer] = {}
    for package_name in packages:
        package = importlib.import_module(package_name)
        for module_info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            module = importlib.import_module(f"{package_name}.{module_info.name}")
            for value in vars(module).values():
                if not isinstance(value, Component | Aggregator):
                    continue
                existing = found.get(value.name)
                if existing is not None and existing is not value:
                    raise ValueError(f"two consumers are named {value.name!r}")
                found[value.name] = value
    return dict(sorted(found.items()))
