"""What a gazetteer edit changed, said so that the articles it reaches can be re-matched."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GazetteerChange:
    """What one gazetteer edit (or its undo or redo) changed.

    Attributes:
        key: The entity the edit is about ("" for an import of many).
        added: Aliases that are new (or whose entity changed): the articles where they or
            their variants occur are reached.
        removed: (entity key, alias) pairs that are gone: the articles with pending
            candidates that alias produced are reached.
        entities: Keys of entities renamed, retyped, merged or brought back: the articles
            with their candidates are reached.
        articles: Articles reached that cannot be found from the gazetteer any more (those
            of a deleted entity's mentions), known when the edit was made.
    """

    key: str
    added: tuple[str, ...] = ()
    removed: tuple[tuple[str, str], ...] = ()
    entities: tuple[str, ...] = ()
    articles: tuple[int, ...] = ()

    @property
    def summary(self) -> str:
        """What was changed, in a few words."""
        return f"the gazetteer entry {self.key}"

    def __add__(self, other: GazetteerChange) -> GazetteerChange:
        """Both changes, as one (about this one's entity): two edits made together."""
        return GazetteerChange(
            self.key,
            self.added + other.added,
            self.removed + other.removed,
            self.entities + other.entities,
            self.articles + other.articles,
        )
