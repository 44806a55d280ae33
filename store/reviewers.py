"""Reviewers: the people named on every decision and audit entry."""

from __future__ import annotations

import getpass
import os

from sqlmodel import Session, select

from store.models import Reviewer


def default_reviewer_name() -> str:
    """`TELAAH_REVIEWER`, else the login name."""
    name = os.environ.get("TELAAH_REVIEWER")
    if name:
        return name
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "reviewer"


def ensure_reviewer(*, session: Session, name: str) -> int:
    """The id of the reviewer called `name`, created (and committed) if new."""
    found = session.exec(select(Reviewer.id).where(Reviewer.name == name)).first()
    if found is not None:
        return found
    reviewer = Reviewer(name=name)
    session.add(reviewer)
    session.commit()
    assert reviewer.id is not None
    return reviewer.id
