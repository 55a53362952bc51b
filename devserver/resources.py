"""Kept for the tools that build the template's tables: see ``devserver.emulator.resources``."""

from .emulator.resources import (
    LocalResource,
    LocalResources,
    Naming,
    Provisioner,
    create_table_request,
    create_tables,
    generate_secret_string,
)

__all__ = [
    "LocalResource",
    "LocalResources",
    "Naming",
    "Provisioner",
    "create_table_request",
    "create_tables",
    "generate_secret_string",
]
