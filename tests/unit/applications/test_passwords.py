"""Password hashing: argon2id, verification, and the unknown user's dummy verification."""

from __future__ import annotations

from argon2 import PasswordHasher, Type

from tests.support.applications import cheap_passwords
from video_tutorials.applications.passwords import Passwords


def test_hashes_are_argon2id_with_salt():
    passwords = cheap_passwords()

    first, second = passwords.hash("correct horse"), passwords.hash("correct horse")

    assert first.startswith("$argon2id$")
    assert first != second


def test_the_default_hasher_is_argon2id_with_rfc_9106_parameters():
    hasher = Passwords().hasher

    assert hasher.type is Type.ID
    assert (hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (3, 65536, 4)


def test_only_the_right_password_verifies():
    passwords = cheap_passwords()
    password_hash = passwords.hash("correct horse")

    assert passwords.verify(password_hash, "correct horse")
    assert not passwords.verify(password_hash, "Correct horse")
    assert not passwords.verify("not a hash", "correct horse")


def test_the_prepared_dummy_hash_has_the_default_parameters():
    passwords = Passwords()

    assert not passwords.hasher.check_needs_rehash(passwords.dummy_hash())


def test_with_other_parameters_the_dummy_hash_is_made_with_them():
    hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    passwords = Passwords(hasher)

    assert not hasher.check_needs_rehash(passwords.dummy_hash())
    passwords.verify_nothing("anything")  # returns, whatever the password
