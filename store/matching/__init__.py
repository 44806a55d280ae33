"""The gazetteer matcher: pure code, no database, no UI."""

from store.matching.matcher import Matcher
from store.matching.normalise import alias_key, fold
from store.matching.types import AliasEntry, Candidate

__all__ = ["AliasEntry", "Candidate", "Matcher", "alias_key", "fold"]
