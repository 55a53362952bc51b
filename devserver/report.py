"""What the devserver noticed about the template but does not do locally, named.

Every property or resource the devserver does not run is reported by name at start (a
warning), never ignored silently. Properties that only configure AWS operations (IAM,
tracing, encryption …) are known no-ops and are accepted without a word.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Notice:
    """One thing the devserver does not do as AWS would: where, and what."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class Report:
    """The notices collected while reading the template."""

    notices: list[Notice] = field(default_factory=list)

    def unsupported(self, where: str, message: str) -> None:
        """Record something the template asks for that does not run locally."""
        notice = Notice(where, message)
        if notice not in self.notices:
            self.notices.append(notice)

    def unknown_properties(
        self, where: str, properties: dict[str, object], known: frozenset[str]
    ) -> None:
        """Report each property of ``properties`` that is not in ``known``, by name."""
        for name in sorted(set(properties) - known):
            self.unsupported(where, f"property {name} is not supported locally (ignored)")
