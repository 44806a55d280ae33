"""The review screen's keys: the mention keys, and which of them stay on in the facts panel."""

from __future__ import annotations

from textual.binding import Binding, BindingType


def _label_bindings() -> list[Binding]:
    """`1`-`9`: label by schema rank and accept; one footer entry stands for all nine."""
    return [
        Binding(
            str(n),
            f"label({n})",
            "Label+accept" if n == 1 else f"Label {n}",
            show=n == 1,
            key_display="1-9" if n == 1 else None,
            id=f"review.label_{n}",
        )
        for n in range(1, 10)
    ]


REVIEW_BINDINGS: list[BindingType] = [
    Binding("escape", "back", "Back", id="article.back"),
    Binding("q", "back", "Back", show=False, id="article.back_q"),
    # Priority, so that the scrolling text does not take up/down for itself.
    Binding("j,down", "move(1)", "Next", key_display="j/↓", priority=True, id="review.next"),
    Binding("k,up", "move(-1)", "Previous", key_display="k/↑", priority=True, id="review.previous"),
    Binding("J", "move_pending(1)", "Next pending", id="review.next_pending"),
    Binding("K", "move_pending(-1)", "Prev pending", show=False, id="review.previous_pending"),
    Binding("a", "decide('accepted')", "Accept", id="review.accept"),
    Binding("x", "decide('rejected')", "Reject", id="review.reject"),
    Binding("l", "link", "Link", id="review.link"),
    Binding("N", "new_entity", "New entity from it", show=False, id="review.new_entity"),
    Binding("v", "show_all", "Show/hide doubtful", show=False, id="review.show_all"),
    *_label_bindings(),
    Binding("e", "edit_span", "Edit span", show=False, id="review.edit_span"),
    Binding("m", "mark_span", "Mark span", show=False, id="review.mark_span"),
    # Not in the footer, which is full at 120 columns (see the `?` panel).
    Binding("d", "done", "Done+next article", show=False, id="review.done"),
    Binding("n", "article(1)", "Next article", show=False, id="review.next_article"),
    Binding("p", "article(-1)", "Previous article", show=False, id="review.previous_article"),
    Binding(
        "asterisk",
        "similar",
        "Same for all like it (after l: same link)",
        show=False,
        id="review.similar",
    ),
    Binding("u,ctrl+z", "undo", "Undo", key_display="u", show=False, id="review.undo"),
    Binding("U,ctrl+y", "redo", "Redo", key_display="U", show=False, id="review.redo"),
    Binding("t", "teach", "Teach alias", show=False, id="review.teach"),
    Binding("o", "concordance", "Occurrences", show=False, id="review.concordance"),
    Binding("c", "copy_mention", "Copy mention", show=False, id="review.copy"),
    Binding("C", "copy_sentence", "Copy sentence+citation", show=False, id="review.copy_sentence"),
    Binding("f", "tag_fact", "Tag fact", show=False, id="review.tag_fact"),
    Binding("F", "facts_focus", "Facts", show=False, id="review.facts"),
]

# What the review screen's own keys may do while the facts panel has the focus.
FACT_MODE_ACTIONS = frozenset(
    {"back", "undo", "redo", "facts_focus", "tag_fact", "article", "done"}
)
