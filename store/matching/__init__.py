"""The gazetteer matcher: pure code, no database, no UI."""

from store.matching.types import AliasEntry, Candidate

__all__ = ["AliasEntry", "Candidate"]
