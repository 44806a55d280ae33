"""Reviewers: the people named on every decision and audit entry."""

from __future__ import annotations

import getpass
import os

from sqlmodel import Session, select

from store.config import Config, load_config
from store.models import Reviewer
from store.textnorm import normalise_field


def default_reviewer_name(config: Config | None = None) -> str:
    """`TELAAH_REVIEWER`, else the config file's `reviewer`, else the login name.

    Args:
        config: The config already read; read from the config file when not given.
    """
    name = os.environ.get("TELAAH_REVIEWER")
    if name:
        return name
    configured = (load_config() if config is None else config).reviewer
    if configured:
        return configured
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "reviewer"


def ensure_reviewer(*, session: Session, name: str) -> int:
    """The id of the reviewer called `name`, created (and committed) if new."""
    name = normalise_field(name)
    found = session.exec(select(Reviewer.id).where(Reviewer.name == name)).first()
    if found is not None:
        return found
    reviewer = Reviewer(name=name)
    session.add(reviewer)
    session.commit()
    assert reviewer.id is not None
    return reviewer.id
