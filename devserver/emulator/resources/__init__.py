"""Creating (or finding) the template's resources on the emulator or any endpoint."""

from .inventory import LocalResource, LocalResources, Naming
from .named import ResourceNamer
from .provisioner import NO_OP_TYPES, Provisioner
from .secrets import generate_secret_string
from .tables import create_table_request, create_tables

__all__ = [
    "NO_OP_TYPES",
    "LocalResource",
    "LocalResources",
    "Naming",
    "Provisioner",
    "ResourceNamer",
    "create_table_request",
    "create_tables",
    "generate_secret_string",
]
