from __future__ import annotations

import pytest

from message_store import (
    InvalidStreamNameError,
    cardinal_id,
    category,
    command_stream_name,
    compound_id,
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


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("viewing-1f0a-2b+7", "1f0a-2b"),
        ("viewing-1f0a-2b", "1f0a-2b"),
        ("viewing-1f0a+7+x", "1f0a"),
        ("identity:command-abc", "abc"),
        ("viewing", None),
    ],
)
def test_the_cardinal_id_is_the_id_up_to_its_first_plus(name, expected):
    assert cardinal_id(name) == expected


def test_a_compound_id_is_a_valid_stream_id_whose_cardinal_id_is_its_first_part():
    name = stream_name("viewing", compound_id("6f0b2c1e-8d4a", 127))
    assert (name, id(name), cardinal_id(name), category(name)) == (
        "viewing-6f0b2c1e-8d4a+127",
        "6f0b2c1e-8d4a+127",
        "6f0b2c1e-8d4a",
        "viewing",
    )


def test_positions_of_an_items_own_shards_are_kept_as_one_string_and_read_back():
    from message_store.views import decode_positions, encode_positions

    key = "6f0b2c1e-8d4a"
    positions = {
        f"viewing-{key}+3": 9,
        f"viewing-{key}+0": 2,
        f"viewing-{key}": 4,  # unsharded: by name
        f"videoPublishing-{key}": 1,
        "viewing-other+3": 5,  # another entity's shard: by name
        f"viewing-{key}+03": 6,  # not a shard number: by name
        f"viewing-{key}+1+2": 7,
    }

    stored = encode_positions(key, positions)

    assert stored["viewing+"] == "2,,,9"
    assert f"viewing-{key}+3" not in stored
    assert stored["viewing-other+3"] == 5
    assert decode_positions(key, stored) == positions


def test_shard_positions_are_written_in_base_36_and_read_back_whatever_their_size():
    from message_store.views import decode_positions, encode_positions

    key = "6f0b2c1e-8d4a"
    positions = {f"viewing-{key}+{n}": p for n, p in enumerate((0, 35, 36, 10**6, 2**40))}
    positions[f"viewing-{key}+7"] = 1_295

    stored = encode_positions(key, positions)

    assert stored["viewing+"] == "0,z,10,lfls,e13wu1og,,,zz"
    assert decode_positions(key, stored) == positions


def test_shard_positions_kept_as_a_list_of_numbers_before_are_still_read():
    """Items written before the string form kept a list, -1 for a shard with none yet."""
    from message_store.views import decode_positions

    key = "6f0b2c1e-8d4a"
    stored = {"viewing+": [2, -1, -1, 9], f"videoPublishing-{key}": 1}

    assert decode_positions(key, stored) == {
        f"viewing-{key}+0": 2,
        f"viewing-{key}+3": 9,
        f"videoPublishing-{key}": 1,
    }
