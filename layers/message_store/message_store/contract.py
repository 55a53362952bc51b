"""Contracts: a message type is a class, its data a pydantic model.

camelCase on the wire (as in the book and message-db), snake_case in Python. Each contract
names the category of the streams its messages live in, so that a consumer's handlers,
keyed by contract class, are also its declaration of what it reads::

    class Register(Contract):
        category = "identity:command"
        user_id: str

    message = Register(user_id=uid).to_message(metadata)        # to write
    command = Register.from_message(stored)                      # read: typed, validated
    command.message.position                                     # where it was read from
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError
from pydantic.alias_generators import to_camel

from .errors import InvalidMessageError
from .message import Message, Metadata, StoredMessage


class Contract(BaseModel):
    """The data of one message type; the class name is the message type.

    Subclasses set ``category`` (the category of the streams the type is written to).
    """

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, defer_build=True
    )

    type: ClassVar[str]
    category: ClassVar[str]

    _message: StoredMessage | None = PrivateAttr(default=None)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.type = cls.__name__

    @property
    def message(self) -> StoredMessage:
        """The stored message this data was read from (its stream, position, metadata)."""
        if self._message is None:
            raise AttributeError(f"this {self.type} was not read from the store")
        return self._message

    def to_message(self, metadata: Metadata | None = None, **fields: Any) -> Message:
        """A message of this type carrying this data (camelCase keys), ready to write."""
        return Message(
            type=self.type,
            data=self.model_dump(mode="json", by_alias=True, exclude_none=True),
            metadata=metadata or Metadata(),
            **fields,
        )

    @classmethod
    def from_message(cls, message: Message) -> Self:
        """The typed data of ``message``; ``InvalidMessageError`` when it breaks the contract.

        A ``StoredMessage`` stays reachable as ``.message``.
        """
        if message.type != cls.type:
            raise InvalidMessageError(f"a {message.type} is not a {cls.type}")
        try:
            parsed = cls.model_validate(message.data)
        except ValidationError as exc:
            raise InvalidMessageError(f"{cls.type} breaks its contract: {_summary(exc)}") from exc
        if isinstance(message, StoredMessage):
            parsed._message = message
        return parsed


def _summary(error: ValidationError) -> str:
    """The validation errors in one line: ``videoId: Field required``."""
    parts = []
    for item in error.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in item.get("loc", ())) or "data"
        parts.append(f"{where}: {item.get('msg', 'invalid')}")
    return "; ".join(parts)
