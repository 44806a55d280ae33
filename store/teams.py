"""Reviewers with roles, and assignments: which articles each reviewer reviews.

`assign` spreads a selection of articles (the export's selection: `store.export.selection`)
over reviewers in balanced shares, a share of them to two reviewers; `assignments` counts
each reviewer's articles and how far they are (their own layer's pending count and done state:
`store.layers`).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlmodel import Session, col

from store import audit
from store.audit import Action
from store.config import MIN_SCORE
from store.errors import NotFound, TelaahError
from store.layers import blind_anywhere, seen_by
from store.models import REVIEWER_ROLES, Assignment, Mention, Reviewer, shown_at, utcnow
from store.textnorm import normalise_field

RESERVED = ("gold", "all")  # `export --layer gold|all`: not a reviewer's name


@dataclass(frozen=True, slots=True)
class ReviewerView:
    """A reviewer as `reviewers list` shows them."""

    id: int
    name: str
    role: str
    assigned: int  # articles assigned
    done: int  # of those, marked done by them


def _checked_role(role: str) -> str:
    if role not in REVIEWER_ROLES:
        raise TelaahError(f"unknown role {role!r}; choose one of {', '.join(REVIEWER_ROLES)}")
    return role


def add_reviewer(*, session: Session, name: str, role: str = "reviewer") -> ReviewerView:
    """Create a reviewer with a role (committed); a reviewer who exists already gets the role.

    Raises:
        TelaahError: unknown role, or a name without letters.
    """
    role = _checked_role(role)
    name = normalise_field(name).strip()
    if not name:
        raise TelaahError("a reviewer needs a name")
    if name in RESERVED:
        raise TelaahError(f"{name!r} names a layer in exports (--layer {name}): choose another")
    reviewer = session.execute(select(Reviewer).where(col(Reviewer.name) == name)).scalar()
    if reviewer is None:
        reviewer = Reviewer(name=name, role=role)
    reviewer.role = role
    session.add(reviewer)
    session.commit()
    return _one(session, name)


def set_role(*, session: Session, name: str, role: str) -> ReviewerView:
    """Give a reviewer another role (committed).

    Raises:
        NotFound: no reviewer of that name.
        TelaahError: unknown role.
    """
    role = _checked_role(role)
    reviewer = reviewer_named(session, name)
    reviewer.role = role
    session.add(reviewer)
    session.commit()
    return _one(session, reviewer.name)


def reviewer_named(session: Session, name: str) -> Reviewer:
    """The reviewer called `name`.

    Raises:
        NotFound: none is (`telaah reviewers add NAME` creates one).
    """
    found = session.execute(
        select(Reviewer).where(col(Reviewer.name) == normalise_field(name).strip())
    ).scalar()
    if found is None:
        raise NotFound(f"no reviewer {name!r} (telaah reviewers add {name} creates one)")
    return found


def list_reviewers(*, session: Session) -> list[ReviewerView]:
    """Every reviewer by name, with their role and assignment counts."""
    assigned = (
        select(func.count())
        .where(col(Assignment.reviewer_id) == col(Reviewer.id))
        .scalar_subquery()
    )
    done = (
        select(func.count())
        .where(
            col(Assignment.reviewer_id) == col(Reviewer.id),
            col(Assignment.done_at).is_not(None),
        )
        .scalar_subquery()
    )
    rows = session.execute(
        select(col(Reviewer.id), col(Reviewer.name), col(Reviewer.role), assigned, done).order_by(
            col(Reviewer.name)
        )
    ).all()
    return [ReviewerView(int(i), n, r, int(a), int(d)) for i, n, r, a, d in rows]


def _one(session: Session, name: str) -> ReviewerView:
    return next(r for r in list_reviewers(session=session) if r.name == name)


# --- assignment ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AssignReport:
    """What `assign` did: articles per reviewer (this run), how many went to two reviewers,
    and how many selected articles were left as they were (assigned already)."""

    per_reviewer: dict[str, int]
    articles: int
    overlapping: int
    kept: int

    @property
    def summary(self) -> str:
        """One line: `assigned 10 articles (2 to two reviewers); ana 4, ben 4, eko 4`."""
        shares = ", ".join(f"{name} {count}" for name, count in self.per_reviewer.items())
        kept = f"; {self.kept} assigned already, left as they are" if self.kept else ""
        return (
            f"assigned {self.articles} articles ({self.overlapping} to two reviewers); "
            f"{shares}{kept}"
        )


def plan(
    article_ids: Sequence[int], reviewers: Sequence[int], overlap: float, seed: int | None
) -> dict[int, list[int]]:
    """Article id -> the reviewers it goes to: one each, two (different ones) for a share
    `overlap` of the articles; every reviewer gets a balanced share (the loads differ by one
    at most), the pairs taken in turn. Pure; `seed` makes it repeatable."""
    if not reviewers:
        raise TelaahError("assign needs at least one reviewer")
    if not 0 <= overlap <= 1:
        raise TelaahError(f"--overlap must be between 0 and 1, not {overlap}")
    if overlap > 0 and len(reviewers) < 2:
        raise TelaahError("an overlap needs two reviewers at least")
    order = list(article_ids)
    random.Random(seed).shuffle(order)
    doubled = set(order[: round(overlap * len(order))])
    load = dict.fromkeys(reviewers, 0)
    result: dict[int, list[int]] = {}
    for turn, article in enumerate(order):
        # The least loaded first; ties in turn from a rotating start (round-robin).
        ranked = sorted(
            reviewers,
            key=lambda r: (load[r], (reviewers.index(r) - turn) % len(reviewers)),
        )
        chosen = ranked[: 2 if article in doubled else 1]
        for reviewer in chosen:
            load[reviewer] += 1
        result[article] = chosen
    return result


def assign(
    *,
    session: Session,
    article_ids: Sequence[int],
    reviewers: Sequence[str],
    overlap: float = 0.0,
    seed: int | None = None,
    replace: bool = False,
    reviewer_id: int | None = None,
) -> AssignReport:
    """Assign the articles to the reviewers (`plan`), audited, in one commit. Articles that
    have assignees already are left as they are, unless `replace` (their assignments are
    replaced).

    Raises:
        NotFound: a reviewer does not exist.
        TelaahError: no reviewer, a reviewer named twice, a bad overlap.
    """
    people = [reviewer_named(session, name) for name in reviewers]
    ids = [int(p.id or 0) for p in people]
    if len(set(ids)) != len(ids):
        raise TelaahError("a reviewer is named twice in --reviewers")
    taken = set(
        session.execute(
            select(col(Assignment.article_id)).where(col(Assignment.article_id).in_(article_ids))
        ).scalars()
    )
    if replace and taken:
        session.execute(delete(Assignment).where(col(Assignment.article_id).in_(taken)))
    todo = list(article_ids) if replace else [a for a in article_ids if a not in taken]
    planned = plan(todo, ids, overlap, seed)
    now = utcnow()
    session.add_all(
        Assignment(article_id=article, reviewer_id=reviewer, assigned_at=now)
        for article, chosen in planned.items()
        for reviewer in chosen
    )
    counts = {p.name: sum(int(p.id or 0) in c for c in planned.values()) for p in people}
    overlapping = sum(len(c) > 1 for c in planned.values())
    audit.record(
        session,
        action=Action.ASSIGN,
        reviewer_id=reviewer_id,
        target="assignment",
        after={
            "reviewers": counts,
            "articles": len(planned),
            "overlap": overlap,
            "replaced": len(taken) if replace else 0,
        },
    )
    session.commit()
    return AssignReport(counts, len(planned), overlapping, 0 if replace else len(taken))


@dataclass(frozen=True, slots=True)
class Progress:
    """One reviewer's assignments: how many, how many they marked done, how many candidates
    they still have pending in them (what they see: `store.layers`)."""

    reviewer: str
    role: str
    articles: int
    done: int
    pending: int
    shared: int  # of their articles, how many another reviewer has too


def assignment_progress(
    *, session: Session, reviewer: str | None = None, min_score: float = MIN_SCORE
) -> list[Progress]:
    """Per reviewer (or the one named), their assignments and progress; pending candidates
    scored under `min_score` (hidden from the reviewer) are not counted."""
    people = (
        [reviewer_named(session, reviewer)]
        if reviewer is not None
        else list(
            session.execute(
                select(Reviewer)
                .where(col(Reviewer.id).in_(select(col(Assignment.reviewer_id))))
                .order_by(col(Reviewer.name))
            ).scalars()
        )
    )
    blind = blind_anywhere(session)
    result = []
    for person in people:
        mine = select(col(Assignment.article_id)).where(col(Assignment.reviewer_id) == person.id)
        articles, done = session.execute(
            select(func.count(), func.count(col(Assignment.done_at))).where(
                col(Assignment.reviewer_id) == person.id
            )
        ).one()
        pending = session.execute(
            select(func.count()).where(
                col(Mention.article_id).in_(mine),
                col(Mention.state) == "pending",
                shown_at(min_score),  # not what the threshold hides from them
                seen_by(Mention, person.id, blind=blind),
            )
        ).scalar_one()
        others = select(col(Assignment.article_id)).where(col(Assignment.reviewer_id) != person.id)
        shared = session.execute(
            select(func.count()).where(
                col(Assignment.reviewer_id) == person.id,
                col(Assignment.article_id).in_(others),
            )
        ).scalar_one()
        result.append(
            Progress(person.name, person.role, int(articles), int(done), int(pending), int(shared))
        )
    return result
