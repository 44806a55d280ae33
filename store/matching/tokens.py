"""What a matcher learns about each text token as it goes, looked up once per token of a text.

Both passes ask about every token of a text: the exact pass for its walk step (does it spell
an alias key, or start one?), the fuzzy pass for the aliases it may anchor. One cache (per
matcher and index) answers both, with one dictionary lookup per token of a text: `lookup`
gives each token its `Entry`; its anchors are worked out by the fuzzy pass the first time the
token is worth them (None until then).
"""

from __future__ import annotations

from store.matching.index import Groups, Index, Step

# The cache is emptied when it grows past this many tokens.
LIMIT = 200_000


class Entry:
    """One token's walk step (None: it starts no alias key) and fuzzy anchors (None: not
    worked out yet)."""

    __slots__ = ("anchors", "step")

    def __init__(self, step: Step | None) -> None:
        self.step = step
        self.anchors: Groups | None = None


def lookup(index: Index, tokens: list[str], cache: dict[str, Entry]) -> list[Entry]:
    """The entries of `tokens` in `cache`, those of tokens met for the first time made."""
    entries: list[Entry | None] = list(map(cache.get, tokens))
    for i in [i for i, entry in enumerate(entries) if entry is None]:
        token = tokens[i]
        entry = cache.get(token)  # (a new token met twice in one text: made once)
        if entry is None:
            if len(cache) >= LIMIT:
                cache.clear()
            entry = cache[token] = Entry(index.walk.get(token))
        entries[i] = entry
    return entries  # type: ignore[return-value]  # (none is None now)
