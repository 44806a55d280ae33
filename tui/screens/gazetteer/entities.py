"""The gazetteer screen's widgets: the search line, the entity list and the entity's record."""

from __future__ import annotations

from rich.text import Text
from textual.content import Content
from textual.widgets import Input, Static

from store.gazetteer.detail import EntityDetail, EntityListRow
from store.textsafe import visible
from tui.widgets.virtual_list import VirtualList


def entity_line(row: EntityListRow, width: int) -> Text:
    """One entity in the list: name, type, key and mention count."""
    count = f"{row.mentions:>6}"
    return Text.assemble(
        (visible(row.name), "bold"),
        "  ",
        (row.type, "magenta"),
        "  ",
        (visible(row.key), "cyan"),
        "  ",
        (count, "dim"),
    )


def detail_content(detail: EntityDetail) -> Content:
    """The entity's record; every value is data."""
    entity = detail.entity
    rows = [
        ("key", entity.key),
        ("name", entity.name),
        ("type", entity.type),
        ("about", entity.description or "—"),
    ]
    rows += [(system, str(ident)) for system, ident in sorted(entity.external_ids.items())]
    states = ", ".join(f"{n} {s}" for s, n in sorted(detail.mentions.items())) or "none"
    rows += [("mentions", f"{states} in {detail.articles} articles")]
    if detail.redirects:
        rows.append(("merged", ", ".join(detail.redirects)))
    lines = [
        Content.assemble((f"{visible(name):<9}", "dim"), Content(visible(value)))
        for name, value in rows
    ]
    lines += [
        Content(""),
        Content.styled(f"Aliases ({len(detail.aliases)})", "bold"),
        Content.styled("  ✓acc ✗rej ·pend  prec  origin     added by  alias", "dim"),
    ]
    for record in detail.aliases:
        alias = record.alias
        lines.append(
            Content.assemble(
                f"  {record.accepted:>4} {record.rejected:>4} {record.pending:>5}  ",
                (f"{record.precision:>4}  ", "dim" if record.precision == "—" else ""),
                (f"{alias.origin:<10} ", "dim"),
                (f"{visible(alias.added_by or '—')[:9]:<9} ", "dim"),
                Content(visible(alias.text)),
            )
        )
    return Content("\n").join(lines)


class EntitySearch(Input):
    """The search line: posts `Input.Changed` as you type, `Input.Submitted` on enter."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(
            placeholder="search names and aliases as you type (enter or ↓: to the list)", id=id
        )

    def clear(self) -> None:
        """Empty the line (posts `Input.Changed`)."""
        self.value = ""


class EntityList(VirtualList):
    """The entities listed, one line each; posts `VirtualList.Highlighted` and `.Selected`."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(self._entity_line, id=id)
        self.rows: list[EntityListRow] = []

    def _entity_line(self, index: int, width: int) -> Text:
        return entity_line(self.rows[index], width)

    @property
    def current(self) -> EntityListRow | None:
        """The entity under the cursor."""
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def show(self, rows: list[EntityListRow], keep: str | None) -> None:
        """List `rows`, the cursor on the entity of key `keep` if listed, else on the first."""
        self.rows = rows
        keys = [row.key for row in rows]
        self.reset(len(rows), keys.index(keep) if keep in keys else 0)


class EntityRecord(Static):
    """The highlighted entity's record (or why there is none)."""

    def show(self, detail: EntityDetail | None) -> None:
        """Show `detail`, or that there is no entity."""
        if detail is None:
            self.update(Content("No entity.").stylize("dim"))
        else:
            self.update(detail_content(detail))

    def show_error(self, error: str) -> None:
        """Show why the record could not be read."""
        self.update(Content(visible(error)))
