"""Password hashing: argon2id (argon2-cffi's defaults, RFC 9106's low-memory profile).

argon2 is imported at the first hash or verification: only the form posts need it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from argon2 import PasswordHasher

MIN_LENGTH = 8
MAX_LENGTH = 128

# A hash of a random password nobody knows, made with the default parameters. Verifying an
# unknown user's password against it costs what verifying a real one costs, so the time of
# the answer does not tell which emails are registered.
_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$wmMapimZkJENdWysCLXDbA"
    "$MX5UO0rxVfBdQzvyVZ5BnlP6FvgOc2DU9SqBf/GvQX0"
)


class Passwords:
    """Hashes and verifies passwords."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher
        self._dummy_hash: str | None = None

    @property
    def hasher(self) -> PasswordHasher:
        """argon2-cffi's hasher (made at first use)."""
        if self._hasher is None:
            from argon2 import PasswordHasher

            self._hasher = PasswordHasher()
        return self._hasher

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        """True when ``password`` is the one ``password_hash`` was made from."""
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            return self.hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def verify_nothing(self, password: str) -> None:
        """Spend the time of a verification, for a user who does not exist."""
        self.verify(self.dummy_hash(), password)

    def dummy_hash(self) -> str:
        """A hash with this hasher's parameters (the prepared one when they are the defaults)."""
        if self._dummy_hash is None:
            if self.hasher.check_needs_rehash(_DUMMY_HASH):
                self._dummy_hash = self.hasher.hash("not anyone's password")
            else:
                self._dummy_hash = _DUMMY_HASH
        return self._dummy_hash
