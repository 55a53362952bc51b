"""The base of every contract: data fields, aliases, the message type."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from message_store import Message, Metadata


class Contract(BaseModel):
    """The data of one message type; the class name is the message type."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)

    type: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.type = cls.__name__

    def to_message(self, metadata: Metadata | None = None, **fields: Any) -> Message:
        """A message of this type carrying this data (camelCase keys)."""
        return Message(
            type=self.type,
            data=self.model_dump(mode="json", by_alias=True, exclude_none=True),
            metadata=metadata or Metadata(),
            **fields,
        )

    @classmethod
    def from_message(cls, message: Message) -> Self:
        """The typed data of a message of this type (``ValidationError`` when it is not)."""
        return cls.model_validate(message.data)


def parse(message: Message, *contracts: type[Contract]) -> Contract | None:
    """The typed data of ``message`` if its type is one of ``contracts``, else ``None``."""
    for contract in contracts:
        if message.type == contract.type:
            return contract.from_message(message)
    return None
