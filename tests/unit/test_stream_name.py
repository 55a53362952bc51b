from __future__ import annotations

import pytest

from message_store import (
    InvalidStreamNameError,
    category,
    command_stream_name,
    id,  # noqa: A004
    is_category,
    stream_name,
)
from message_store.stream_name import validate_category, validate_stream_name


def test_category_and_id_of_an_entity_stream():
    name = "identity-1f0a5d1e-7a36-4ad4-9e2a-3c2b6a3cdd10"
    assert category(name) == "identity"
    assert id(name) == "1f0a5d1e-7a36-4ad4-9e2a-3c2b6a3cdd10"
    assert not is_category(name)


def test_command_streams():
    assert command_stream_name("identity", "42") == "identity:command-42"
    assert category("identity:command-42") == "identity:command"
    assert stream_name("sendEmail", "7", type="command") == "sendEmail:command-7"


def test_a_category_has_no_id():
    assert is_category("viewing")
    assert id("viewing") is None


@pytest.mark.parametrize("name", ["viewing", "-1", "viewing-", "view ing-1", "1view-1", "a:-1"])
def test_invalid_stream_names_say_what_is_expected(name):
    with pytest.raises(InvalidStreamNameError, match="category-id"):
        validate_stream_name(name)


@pytest.mark.parametrize("name", ["identity", "identity:command", "sendEmail:command"])
def test_valid_categories(name):
    assert validate_category(name) == name


def test_a_stream_name_is_not_a_category():
    with pytest.raises(InvalidStreamNameError):
        validate_category("identity-1")
