"""The review screen's moving and deciding keys: `j`/`k`, `J`/`K`, `a`, `x`, the digits, `*`
(and `*` after a link: the bulk relink), undo and redo."""

from __future__ import annotations

from dataclasses import replace

from store.review.linking import relink_similar
from store.review.mentions import MentionView, decide_mention, decide_similar
from store.textnorm import norm_key
from store.undo.history import Undone
from tui.screens.review.view import ReviewView


class ReviewDecisions(ReviewView):
    """Moving between the mentions and deciding them (each decision on the version shown)."""

    def action_move(self, step: int) -> None:
        """Focus the next (`step` 1) or previous (-1) mention."""
        self._relinkable = None
        if self.cursor is None:
            return
        self.cursor = max(0, min(len(self.mentions) - 1, self.cursor + step))
        self._show()

    def action_move_pending(self, step: int) -> None:
        """Focus the next or previous pending mention, if there is one that way."""
        self._relinkable = None
        found = self._pending_from(step)
        if found is None:
            self.notify("No pending mention that way", timeout=2, markup=False)
            return
        self.cursor = found
        self._show()

    def action_decide(self, state: str) -> None:
        """Accept or reject the focused mention, then go to the next pending one."""
        self._decide(state, None)

    def action_label(self, rank: int) -> None:
        """Give the focused mention the schema's `rank`-th label and accept it."""
        if 1 <= rank <= len(self.labels):
            self._decide("accepted", self.labels[rank - 1])

    def _decide(self, state: str, label: str | None) -> None:
        """Decide the focused mention on the version shown; the row shows the decision at once
        (a refusal or a write not saved reloads the mentions and says why)."""
        mention = self.current
        if mention is None or self.cursor is None:
            return
        self._relinkable = None
        reviewer = self.telaah.reviewer_id
        self.mentions[self.cursor] = replace(
            mention, state=state, label=label or mention.label, version=mention.version + 1
        )

        def saved(view: MentionView) -> None:
            self._replace(view)
            if state == "rejected" or mention.state == "rejected":
                self.candidates_changed()

        self.write(
            lambda s: decide_mention(
                session=s,
                mention_id=mention.id,
                state=state,
                reviewer_id=reviewer,
                label=label,
                expected_version=mention.version,
            ),
            title="Decision not saved",
            done=saved,
        )
        self._started()
        self._move_on()

    def action_similar(self) -> None:
        """Give every pending mention like the focused one (same surface and entity) its decision,
        then go to the next pending mention. Right after a link (`l`): give the link to the
        pending mentions like the linked one (see `_relink`).

        A pending focused mention is accepted; a decided one lends its state and label.
        """
        if self._relinkable is not None:
            self._relink(*self._relinkable)
            return
        mention = self.current
        if mention is None or self.cursor is None:
            return
        state = "accepted" if mention.state == "pending" else mention.state
        reviewer = self.telaah.reviewer_id
        surface = norm_key(mention.text)
        for index, other in enumerate(self.mentions):  # shown at once, as `a` does
            if index == self.cursor or (
                other.state == "pending"
                and other.entity_key == mention.entity_key
                and norm_key(other.text) == surface
            ):
                self.mentions[index] = replace(
                    other, state=state, label=mention.label, version=other.version + 1
                )

        def saved(decided: list[int]) -> None:
            self._reload(self.current.id if self.current else mention.id)
            self.notify(f"{state} {len(decided)} × {mention.text}", timeout=3, markup=False)

        self.write(
            lambda s: decide_similar(
                session=s,
                mention_id=mention.id,
                state=state,
                reviewer_id=reviewer,
                label=mention.label,
                expected_version=mention.version,
            ),
            title="Decision not saved",
            done=saved,
        )
        self._started()
        self._move_on()

    def _relink(self, linked: MentionView, old_key: str | None) -> None:
        """`*` right after `l`: the other pending mentions with the linked one's surface that
        still have its old entity (`old_key`) get its entity and label, accepted (one step)."""
        self._relinkable = None
        reviewer = self.telaah.reviewer_id
        surface = norm_key(linked.text)
        for index, other in enumerate(self.mentions):
            if (
                other.id != linked.id
                and other.state == "pending"
                and other.entity_key == old_key
                and norm_key(other.text) == surface
            ):
                self.mentions[index] = replace(
                    other,
                    state="accepted",
                    label=linked.label,
                    entity_key=linked.entity_key,
                    entity_name=linked.entity_name,
                    version=other.version + 1,
                )
        was = old_key or "no entity"

        def saved(relinked: list[int]) -> None:
            if relinked:
                self._reload(self.current.id if self.current else linked.id)
            self.notify(
                f"linked {len(relinked)} more × {linked.text} → {linked.entity_name} "
                f"({linked.entity_key})"
                if relinked
                else f"no other pending {linked.text!r} of {was} to link",
                timeout=3,
                markup=False,
            )

        self.write(
            lambda s: relink_similar(
                session=s,
                mention_id=linked.id,
                old_entity_key=old_key,
                reviewer_id=reviewer,
                expected_version=linked.version,
            ),
            title="Link not saved",
            done=saved,
        )
        if self.current is not None and self.current.state != "pending":
            self._move_on()
        else:
            self._show()

    def action_undo(self) -> None:
        """Undo your latest change (also one made before the app was restarted)."""
        self._history(True)

    def action_redo(self) -> None:
        """Redo the change you undid last."""
        self._history(False)

    def _history(self, backwards: bool) -> None:
        self._relinkable = None
        self.undo_step(backwards, then=self._undone)

    def _undone(self, done: Undone) -> None:
        if done.fact_id is not None and done.article_id == self.article.id:
            if done.mention_ids:  # a fact accepted with its mentions
                self._reload(self.current.id if self.current else 0)
            self.load_facts(done.fact_id)
            self._show()
        elif done.article_id == self.article.id or done.change is not None:
            self._reload(done.mention_id or (self.current.id if self.current else 0))
