"""Every table of telaah, with its constraints in the schema."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
    or_,
)
from sqlmodel import Field, SQLModel, col

# Named constraints, so Alembic batch migrations on SQLite can find and alter them.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ARTICLE_STATUSES = ("todo", "in_progress", "done")
MENTION_STATES = ("pending", "accepted", "rejected")
MENTION_ORIGINS = ("gazetteer", "manual", "import")
MATCH_METHODS = ("exact", "fuzzy")
ALIAS_ORIGINS = ("gazetteer", "reviewer")
FACT_STATES = ("pending", "accepted", "rejected")
FACT_ORIGINS = ("schema", "manual", "import")
REVIEWER_ROLES = ("reviewer", "curator", "adjudicator")


def utcnow() -> datetime:
    """The current time, aware, in UTC: every timestamp column stores UTC."""
    return datetime.now(UTC)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


def _fk(target: str, ondelete: str) -> Any:
    return Column(Integer, ForeignKey(target, ondelete=ondelete), index=True, nullable=True)


def _fk_required(target: str, ondelete: str) -> Any:
    return Column(Integer, ForeignKey(target, ondelete=ondelete), index=True, nullable=False)


class Reviewer(SQLModel, table=True):
    """A person who makes decisions; every decision and audit entry names one."""

    __table_args__ = (CheckConstraint(_one_of("role", REVIEWER_ROLES), name="role"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, min_length=1)
    created_at: datetime = Field(default_factory=utcnow)
    # reviewer | curator | adjudicator (see migration 0008)
    role: str = Field(
        default="reviewer",
        sa_column=Column(String, nullable=False, server_default="reviewer"),
    )


class Assignment(SQLModel, table=True):
    """An article given to a reviewer (`telaah assign`); `done_at`: when that reviewer marked
    it done (an article with several assignees is done once each of them is)."""

    article_id: int = Field(
        sa_column=Column(Integer, ForeignKey("article.id", ondelete="CASCADE"), primary_key=True)
    )
    reviewer_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("reviewer.id", ondelete="CASCADE"), primary_key=True, index=True
        )
    )
    assigned_at: datetime = Field(default_factory=utcnow)
    done_at: datetime | None = None


class Article(SQLModel, table=True):
    """A news article; its text is normalised once at import and never changes."""

    __table_args__ = (CheckConstraint(_one_of("status", ARTICLE_STATUSES), name="status"),)

    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(unique=True)
    title: str
    source: str | None = None
    url: str | None = None
    published: date | None = Field(default=None, index=True)
    text: str
    sha256: str = Field(unique=True)
    status: str = Field(default="todo", index=True)
    meta: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    chars: int | None = None  # len(text), stored at import (NULL before migration 0014)


class Entity(SQLModel, table=True):
    """A gazetteer entry; a merged entity stays as a redirect to the one it went into."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)
    name: str
    type: str = Field(index=True)
    description: str | None = None
    external_ids: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    merged_into: int | None = Field(default=None, sa_column=_fk("entity.id", "SET NULL"))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Alias(SQLModel, table=True):
    """A surface form of an entity; `norm` is the matcher's normalised form."""

    __table_args__ = (
        UniqueConstraint("entity_id", "text"),
        CheckConstraint(_one_of("origin", ALIAS_ORIGINS), name="origin"),
        CheckConstraint("length(trim(text)) > 0", name="text_not_blank"),
    )

    id: int | None = Field(default=None, primary_key=True)
    entity_id: int = Field(sa_column=_fk_required("entity.id", "CASCADE"))
    text: str
    norm: str = Field(index=True)
    origin: str = "gazetteer"
    added_by: int | None = Field(default=None, sa_column=_fk("reviewer.id", "SET NULL"))
    created_at: datetime = Field(default_factory=utcnow)


class Mention(SQLModel, table=True):
    """A span of an article with a label, maybe an entity, and a review state."""

    __table_args__ = (
        CheckConstraint('start >= 0 AND start < "end"', name="span"),
        CheckConstraint(_one_of("state", MENTION_STATES), name="state"),
        CheckConstraint(_one_of("origin", MENTION_ORIGINS), name="origin"),
        CheckConstraint(f"method IS NULL OR {_one_of('method', MATCH_METHODS)}", name="method"),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="score"),
        Index("ix_mention_article_id_start", "article_id", "start"),
        # The queue's per-article counts by state (see migration 0004).
        Index("ix_mention_article_id_state", "article_id", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(
        sa_column=Column(Integer, ForeignKey("article.id", ondelete="CASCADE"), nullable=False)
    )
    start: int
    end: int
    text: str
    label: str
    entity_id: int | None = Field(default=None, sa_column=_fk("entity.id", "SET NULL"))
    state: str = Field(default="pending", index=True)
    origin: str = "gazetteer"
    matched_alias: str | None = None
    score: float | None = None
    method: str | None = None
    alternatives: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    reviewer_id: int | None = Field(default=None, sa_column=_fk("reviewer.id", "SET NULL"))
    decided_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    # Raised by one at every change of the row; a change made on an older version is refused.
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))
    # Why the matcher doubts it (`sentence-initial`, `common word`, `lower case`, `new name`);
    # None when nothing is doubted. See migration 0007.
    reason: str | None = None
    # Whose layer the row is in: None is the shared layer (candidates, single-reviewer work);
    # a reviewer's id, their own decisions in blind mode (store/review/layers.py, 0008).
    layer: int | None = Field(default=None, sa_column=_fk("reviewer.id", "CASCADE"))
    # The shared candidate a layer's row was copied from (copy-on-write).
    derived_from: int | None = Field(default=None, sa_column=_fk("mention.id", "SET NULL"))


def shown_at(min_score: float) -> Any:
    """The mentions a reviewer sees at the threshold `min_score`: all but the pending
    candidates scored under it (`MentionView.hidden_under` is the same rule on a view). One
    SQL condition for the review's counts, the queue, `d` and fact proposals."""
    return or_(
        col(Mention.state) != "pending",
        col(Mention.score).is_(None),
        col(Mention.score) >= min_score,
    )


class Fact(SQLModel, table=True):
    """A typed relation or event from the schema, with an evidence span in one article."""

    __table_args__ = (
        CheckConstraint(_one_of("state", FACT_STATES), name="state"),
        CheckConstraint(_one_of("origin", FACT_ORIGINS), name="origin"),
        CheckConstraint(
            "(evidence_start IS NULL AND evidence_end IS NULL) OR "
            "(evidence_start >= 0 AND evidence_start < evidence_end)",
            name="evidence",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(sa_column=_fk_required("article.id", "CASCADE"))
    type: str = Field(index=True)
    state: str = Field(default="pending", index=True)
    origin: str = "manual"
    evidence_start: int | None = None
    evidence_end: int | None = None
    note: str | None = None
    reviewer_id: int | None = Field(default=None, sa_column=_fk("reviewer.id", "SET NULL"))
    decided_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    # Set when a role's mention is rejected, relinked, merged or deleted (see migration 0003).
    needs_review: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, index=True, server_default=false())
    )
    review_reason: str | None = None
    # Raised by one at every change of the row; a change made on an older version is refused.
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))
    # Whose layer, and the shared fact it was copied from: as for `Mention` (migration 0008).
    layer: int | None = Field(default=None, sa_column=_fk("reviewer.id", "CASCADE"))
    derived_from: int | None = Field(default=None, sa_column=_fk("fact.id", "SET NULL"))


class FactArgument(SQLModel, table=True):
    """One role filler of a fact: the role's name and the mention, or the fact, that fills it.

    A fact fills a role of another fact in nested events (brat `E2 Cause:E1`).
    """

    __table_args__ = (
        UniqueConstraint("fact_id", "role", "mention_id"),
        UniqueConstraint("fact_id", "role", "filler_fact_id"),
        CheckConstraint("(mention_id IS NULL) <> (filler_fact_id IS NULL)", name="one_filler"),
        CheckConstraint("filler_fact_id IS NULL OR filler_fact_id <> fact_id", name="not_self"),
    )

    id: int | None = Field(default=None, primary_key=True)
    fact_id: int = Field(sa_column=_fk_required("fact.id", "CASCADE"))
    role: str
    mention_id: int | None = Field(default=None, sa_column=_fk("mention.id", "CASCADE"))
    filler_fact_id: int | None = Field(default=None, sa_column=_fk("fact.id", "CASCADE"))


class ArticleTokens(SQLModel, table=True):
    """The tokenisation an article arrived with (CoNLL, Prodigy, spaCy), used by the exports.

    `offsets` is flat: start, end of each token in code points of the stored text. `columns`
    holds the source's other per-token columns by name (CoNLL `pos`, `chunk`), one value a token.
    """

    __tablename__ = "article_tokens"

    article_id: int = Field(
        sa_column=Column(Integer, ForeignKey("article.id", ondelete="CASCADE"), primary_key=True)
    )
    source: str
    offsets: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    columns: dict[str, list[str]] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )


_ONE_TARGET = "(mention_id IS NULL) <> (fact_id IS NULL)"


class AnnotationAttribute(SQLModel, table=True):
    """An attribute of a mention or a fact (brat `A`/`M`): a name and a value (none: a flag)."""

    __tablename__ = "annotation_attribute"
    __table_args__ = (CheckConstraint(_ONE_TARGET, name="one_target"),)

    id: int | None = Field(default=None, primary_key=True)
    mention_id: int | None = Field(default=None, sa_column=_fk("mention.id", "CASCADE"))
    fact_id: int | None = Field(default=None, sa_column=_fk("fact.id", "CASCADE"))
    name: str
    value: str | None = None


class AnnotationNote(SQLModel, table=True):
    """A free-text note on a mention or a fact (brat `#`), with its kind (`AnnotatorNotes`)."""

    __tablename__ = "annotation_note"
    __table_args__ = (CheckConstraint(_ONE_TARGET, name="one_target"),)

    id: int | None = Field(default=None, primary_key=True)
    mention_id: int | None = Field(default=None, sa_column=_fk("mention.id", "CASCADE"))
    fact_id: int | None = Field(default=None, sa_column=_fk("fact.id", "CASCADE"))
    kind: str = "AnnotatorNotes"
    text: str


class Equivalence(SQLModel, table=True):
    """A set of mentions of one article that say the same (brat `*`), with its type (`Equiv`)."""

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(sa_column=_fk_required("article.id", "CASCADE"))
    type: str


class EquivalenceMember(SQLModel, table=True):
    """One mention of an equivalence set."""

    __tablename__ = "equivalence_member"

    equivalence_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("equivalence.id", ondelete="CASCADE"), primary_key=True
        )
    )
    mention_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("mention.id", ondelete="CASCADE"), primary_key=True, index=True
        )
    )


class Label(SQLModel, table=True):
    """An entity type of the schema, in schema order."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    key: str | None = None
    colour: str
    description: str = ""
    position: int = 0


class FactType(SQLModel, table=True):
    """A fact type of the schema: its trigger words and, in `FactRole`, its roles."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    description: str = ""
    triggers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    position: int = 0


class FactRole(SQLModel, table=True):
    """A role of a fact type, with the labels allowed to fill it."""

    __table_args__ = (UniqueConstraint("fact_type_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    fact_type_id: int = Field(sa_column=_fk_required("facttype.id", "CASCADE"))
    name: str
    labels: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    required: bool = True
    multiple: bool = False
    position: int = 0


class AuditEntry(SQLModel, table=True):
    """One change, append-only: the basis of undo and of every 'who did what'."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    reviewer_id: int | None = Field(default=None, sa_column=_fk("reviewer.id", "SET NULL"))
    action: str = Field(index=True)
    target: str | None = None
    target_id: int | None = None
    before: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: Any = Field(default=None, sa_column=Column(JSON, nullable=True))


class ArticleTally(SQLModel, table=True):
    """How many articles have each status: the queue's header and its count without a search,
    without a scan of every article. Kept by triggers on `article` (migration 0013), never
    written by the store, as `MentionTally` is: a count is the sum of its rows."""

    __tablename__ = "article_tally"

    id: int | None = Field(default=None, primary_key=True)
    status: str
    n: int


class MentionTally(SQLModel, table=True):
    """How many mentions have each state and origin: what `telaah stats` shows, without a scan
    of every mention. Kept by triggers on `mention` (migration 0009), never written by the
    store: on SQLite one row per (state, origin), updated in place; on PostgreSQL one row per
    statement that changed mentions (no lock shared between writers), folded together from time
    to time. A count is the sum of its rows."""

    __tablename__ = "mention_tally"

    id: int | None = Field(default=None, primary_key=True)
    state: str
    origin: str
    n: int
