"""The messages between services: one pydantic model per message type's data.

camelCase on the wire (as in the book and message-db), snake_case in Python. A contract
turns into a ``Message`` with ``to_message()`` and back with ``from_message()``.
"""

from ._base import Contract, parse

__all__ = ["Contract", "parse"]
