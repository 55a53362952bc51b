"""Kept for the tests that import it: the pattern language is ``devserver.mappings.filters``."""

from .mappings.filters import FilterPattern, matches_any, parse_filter_criteria

__all__ = ["FilterPattern", "matches_any", "parse_filter_criteria"]
