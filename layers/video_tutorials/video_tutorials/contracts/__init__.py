"""The messages between services: one pydantic model per message type's data.

camelCase on the wire (as in the book and message-db), snake_case in Python. Each contract
names the category of the streams it is written to. A contract turns into a ``Message`` with
``to_message()`` and back, typed and validated, with ``from_message()``.
"""

from ._base import Contract

__all__ = ["Contract"]
