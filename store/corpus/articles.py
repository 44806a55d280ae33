"""Repository functions for articles: detached read models, never ORM objects."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, case, exists, func, literal, tuple_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from store import audit
from store.audit import Action
from store.corpus.ahead import BITMAP_BELOW, PAGES, IdsAhead
from store.corpus.search import (
    DENSE,
    SearchFrom,
    checked_by_row,
    held_at_least,
    search_from,
    search_share,
)
from store.dialect import POSTGRESQL, dialect_name, index_scans
from store.errors import NotFound, TelaahError
from store.layers import Team, is_blind, overlay, team_of
from store.models import (
    ARTICLE_STATUSES,
    Article,
    ArticleTally,
    Assignment,
    Fact,
    Mention,
    shown_at,
    utcnow,
)


@dataclass(frozen=True, slots=True)
class ArticleRow:
    """An article as a list shows it: no text."""

    id: int
    external_id: str
    title: str
    source: str | None
    published: date | None
    status: str
    length: int
    pending: int = 0  # pending candidates
    accepted: int = 0  # accepted mentions
    facts: int = 0


@dataclass(frozen=True, slots=True)
class ArticleView:
    """An article with its text and metadata."""

    id: int
    external_id: str
    title: str
    source: str | None
    url: str | None
    published: date | None
    status: str
    text: str
    sha256: str
    meta: dict[str, Any]


# Sort keys: the listing is ordered by (key, id), so (key, id) pairs are a keyset. Nullable
# columns sort as '' (first), so that a tuple comparison never meets a NULL.
# `min_score`: pending candidates scored under it are not counted (hidden from the reviewer).
# `team`: the reviewer's view of the queue (`store.layers.Team`: their layer's counts, their
# done state); None: the shared layer, as before teams.
SORTS: dict[str, Callable[[float | None, Team | None], Any]] = {
    "id": lambda _m, _t: col(Article.id),
    "title": lambda _m, _t: col(Article.title),
    "source": lambda _m, _t: func.coalesce(col(Article.source), ""),
    "published": lambda _m, _t: func.coalesce(col(Article.published), date.min),
    "status": lambda _m, team: _status(team),
    "pending": lambda min_score, team: _mentions_in("pending", min_score, team),
    "accepted": lambda _m, team: _mentions_in("accepted", None, team),
    "facts": lambda _m, team: _facts(team),
}


def list_articles(
    *,
    session: Session,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
    sort: str = "id",
    search: str | None = None,
    descending: bool = False,
    min_score: float | None = None,
    after: int | None = None,
    before: int | None = None,
    reviewer_id: int | None = None,
    ahead: IdsAhead | None = None,
    _listed_descending: bool | None = None,
) -> list[ArticleRow]:
    """A page of articles with their counts, optionally of one status or matching a search.

    Args:
        session: Database session.
        status: Only articles of this status (todo, in_progress, done).
        limit: At most this many rows.
        offset: Rows of the listing to skip.
        sort: One of `SORTS`; ties are broken by id.
        search: A full-text query over title and text (words, "a phrase", prefix*).
        descending: Reverse the order (key and id).
        after: Keyset paging: only the rows after this article (which need not be listed).
        before: Keyset paging: the `limit` rows just before this article, still in the
            listing's order (`offset` counts back from it).
        min_score: Pending candidates scored under it are not counted (nor sorted by):
            those the threshold hides from the reviewer.
        reviewer_id: The reviewer whose queue it is: the articles assigned to them first,
            with what they see of each (`store.layers`: their layer's counts in blind mode)
            and their own done state.
        ahead: The caller's `IdsAhead` for this listing's pages (the queue holds one): a
            search's page after `after`, chosen from its index alone (no status, ordered by
            id, no assignments), reads the ids of the pages after it too, and a later page
            they hold is read by id, without the search (`store.corpus.ahead`).

    Returns:
        The rows, in the listing's order.
    """
    listed = descending if _listed_descending is None else _listed_descending
    listing = (search, descending)
    if ahead is not None and ahead.listing == listing and offset == 0:
        # Held only for a search's listing paged from its index alone (below): no status,
        # ordered by id, and still so if the reviewer has no assignments now either.
        team = team_of(session, reviewer_id)
        held = None
        if status is None and sort == "id" and (team is None or not team.assigned):
            if before is not None:
                held = ahead.before(listing, before, limit)
            else:
                held = ahead.after(listing, after, limit)
        if held is not None:
            plain = _Scope(None, None, team)  # read by id: no search
            rows = _rows(
                session, col(Article.id).in_(held), None, sort, min_score, plain, listed, descending
            )
            if len(rows) == len(held):
                return rows
            ahead.drop()  # an article gone since the ids were read: the page is read anew
    scope = _Scope.of(session, status, search, reviewer_id)
    key = _sort_key(sort, min_score, scope, listed)
    backwards = before is not None
    found = scope.found
    alone = (
        found is not None
        and found.index is not None
        and status is None
        and _by_id(key, scope.ident)
    )

    def read(chosen: Any, page: Any = None) -> list[ArticleRow]:
        return _rows(session, chosen, page, sort, min_score, scope, listed, descending)

    if alone:
        # Nothing of the article is needed to choose the page: the index alone (each of the
        # page's rows then read once, below; the join read every match's article row first).
        assert found is not None
        query: Any = sa_select(scope.ident.label("id")).select_from(found.index)
        query = query.where(found.condition)
    else:
        query = scope.filter(sa_select(col(Article.id)))
    for mark, forward in ((after, not descending), (before, descending)):
        if mark is not None:
            beyond = _beyond(session, mark, key, forward, scope.ident)
            if beyond is None:
                return []
            query = query.where(beyond)
    # The page's ids first, then the counts of those rows only: SQLite would otherwise compute
    # the correlated counts of every row it skips over. Ordered and paged by `scope.ident`:
    # with a search on SQLite the index's rowid, whose order FTS5 gives without sorting.
    query = query.order_by(*_order(key, descending != backwards, scope.ident))
    if alone and ahead is not None and after is not None and not backwards and offset == 0:
        # From the second page on (a first page alone is read as fast as before: most
        # searches are looked at there).
        with scope.reading_ahead(session):
            ids = list(session.scalars(query.limit(limit * PAGES)))
        ahead.keep(listing, after, ids, limit * PAGES)
        return read(col(Article.id).in_(ids[:limit]))
    page = query.limit(limit).offset(offset).subquery()
    return read(col(Article.id) == page.c.id, page)


def _rows(
    session: Session,
    chosen: Any,
    page: Any,
    sort: str,
    min_score: float | None,
    scope: _Scope,
    listed: bool,
    descending: bool,
) -> list[ArticleRow]:
    """The rows of the articles `chosen` (a condition on the article's id, joining `page`
    if given: the page's ids), with their counts, ordered by the listing's key (`listed`: its
    direction) in the direction `descending`."""
    query = sa_select(
        col(Article.id),
        col(Article.external_id),
        col(Article.title),
        col(Article.source),
        col(Article.published),
        _status(scope.team),
        # Stored at import; measured for an article stored before migration 0014.
        func.coalesce(col(Article.chars), func.length(col(Article.text))),
        _mentions_in("pending", min_score, scope.team),
        _mentions_in("accepted", None, scope.team),
        _facts(scope.team),
    )
    query = query.where(chosen) if page is None else query.join(page, chosen)
    shown = _sort_key(sort, min_score, _Scope(scope.status, None, scope.team), listed)
    query = query.order_by(*_order(shown, descending, col(Article.id)))
    with scope.reading(session):
        return [ArticleRow(*row) for row in session.execute(query).all()]


def last_articles(
    *,
    session: Session,
    status: str | None = None,
    limit: int = 50,
    sort: str = "id",
    search: str | None = None,
    descending: bool = False,
    min_score: float | None = None,
    reviewer_id: int | None = None,
) -> list[ArticleRow]:
    """The last `limit` rows of a listing, in its order: as fast as its first page.

    Args are those of `list_articles`.
    """
    rows = list_articles(
        session=session,
        status=status,
        limit=limit,
        sort=sort,
        search=search,
        descending=not descending,
        min_score=min_score,
        reviewer_id=reviewer_id,
        _listed_descending=descending,
    )
    return rows[::-1]


def count_articles(
    *,
    session: Session,
    status: str | None = None,
    search: str | None = None,
    reviewer_id: int | None = None,
) -> int:
    """How many articles there are, optionally of one status (as `reviewer_id` has it) or
    matching a search."""
    scope = _Scope.of(session, status, search, reviewer_id)
    found = scope.found
    if found is None and (status is None or scope.team is None):
        counts = count_by_status(session=session)  # (kept by triggers: no article read)
        return sum(counts.values()) if status is None else counts[_checked_status(status)]
    postgresql = dialect_name(session) == POSTGRESQL
    if postgresql and status is None and found is not None and found.index is not None:
        # The vectors alone (each has its article): no article probed per match.
        index = sa_select(func.count()).select_from(found.index).where(found.condition)
        return _counted(session, index, scope)
    query = scope.filter(sa_select(func.count()).select_from(Article))
    return _counted(session, query, scope)


# Past this many matches a search's count (and a row's position in its listing) is shown as
# an estimate, "10,000+": counting every match of a common word in a million articles costs
# what reading them does.
ESTIMATE_AT = 10_000


@dataclass(frozen=True, slots=True)
class Count:
    """A number of rows, exact or (`exact` False) at least `value`."""

    value: int
    exact: bool = True

    def __str__(self) -> str:
        return f"{self.value:,}" + ("" if self.exact else "+")


def count_listing(
    *,
    session: Session,
    status: str | None = None,
    search: str | None = None,
    reviewer_id: int | None = None,
    cap: int | None = None,
) -> Count:
    """How many articles a listing has: exact without a search; with one, exact up to `cap`
    (`ESTIMATE_AT`) matches, else `Count(cap, exact=False)` ("10,000+"), counted without
    reading the rest."""
    if not (search and search.strip()):
        total = count_articles(
            session=session, status=status, search=search, reviewer_id=reviewer_id
        )
        return Count(total)
    scope = _Scope.of(session, status, search, reviewer_id)
    limit = ESTIMATE_AT if cap is None else cap
    if status is None and held_at_least(session, search) > limit:
        return Count(limit, exact=False)  # a common word or prefix: its count known to pass
    found = scope.found
    if status is None and found is not None and found.index is not None:
        # Nothing of the article is needed: the index counts its matches alone.
        rows = sa_select(found.ident).select_from(found.index).where(found.condition)
        return _capped(session, scope, rows, limit)
    return _capped(session, scope, scope.filter(sa_select(col(Article.id))), limit)


def _capped(session: Session, scope: _Scope, rows: Any, cap: int) -> Count:
    """The number of rows of the query `rows` (a search's, `scope`), reading at most `cap` + 1
    of them."""
    with scope.counting(session):  # (only searches are capped)
        found = session.execute(sa_select(func.count()).select_from(rows.limit(cap + 1).subquery()))
        value = int(found.scalar_one())
    return Count(value) if value <= cap else Count(cap, exact=False)


def _counted(session: Session, query: Any, scope: _Scope) -> int:
    """The count `query` makes; a search's matches are counted through the index
    (`store.dialect.index_scans`: PostgreSQL would test every row)."""
    if scope.found is None:
        return int(session.execute(query).scalar_one())
    with index_scans(session):
        return int(session.execute(query).scalar_one())


def count_by_status(*, session: Session) -> dict[str, int]:
    """How many articles have each status (every status present, zero or not).

    Read from `article_tally` (kept by triggers, migration 0013: a few rows, whatever the
    number of articles): what the queue's header needs, without the corpus-wide mention
    counts of `store.corpus.stats.corpus_stats`.
    """
    counts = dict.fromkeys(ARTICLE_STATUSES, 0)
    column = col(ArticleTally.status)
    query = sa_select(column, func.sum(col(ArticleTally.n))).group_by(column)
    for status, count in session.execute(query).all():
        counts[status] = int(count or 0)
    return counts


def article_position(
    *,
    session: Session,
    article_id: int,
    status: str | None = None,
    search: str | None = None,
    sort: str = "id",
    descending: bool = False,
    min_score: float | None = None,
    reviewer_id: int | None = None,
) -> int | None:
    """Where an article is in a listing (0 for the first row), or None if it is not in it.

    Args:
        session: Database session.
        article_id: The article.
        status: The listing's status filter, as for `list_articles`.
        search: The listing's full-text query.
        sort: The listing's sort key.
        descending: Whether the listing is in reverse order.

    Returns:
        The number of rows of the listing before the article, None if it is not listed.
    """
    found = listing_position(
        session=session,
        article_id=article_id,
        status=status,
        search=search,
        sort=sort,
        descending=descending,
        min_score=min_score,
        reviewer_id=reviewer_id,
        exact=True,
    )
    return None if found is None else found.value


def listing_position(
    *,
    session: Session,
    article_id: int,
    status: str | None = None,
    search: str | None = None,
    sort: str = "id",
    descending: bool = False,
    min_score: float | None = None,
    reviewer_id: int | None = None,
    exact: bool = False,
) -> Count | None:
    """`article_position`; unless `exact`, a search's rows before the article are counted
    only up to `ESTIMATE_AT`: past them the position is `Count(ESTIMATE_AT, exact=False)`
    (the queue shows it as an estimate)."""
    scope = _Scope.of(session, status, search, reviewer_id)
    listed = scope.filter(
        sa_select(func.count()).select_from(Article).where(scope.ident == article_id)
    )
    if not session.execute(listed).scalar_one():
        return None
    key = _sort_key(sort, min_score, scope, descending)
    before = _beyond(session, article_id, key, descending, scope.ident)
    if before is None:
        return None
    if not exact and scope.found is not None:
        rows = scope.filter(sa_select(col(Article.id)).where(before))
        return _capped(session, scope, rows, ESTIMATE_AT)
    query = scope.filter(sa_select(func.count()).select_from(Article).where(before))
    return Count(_counted(session, query, scope))


def neighbour_article(
    *,
    session: Session,
    article_id: int,
    step: int,
    status: str | None = None,
    search: str | None = None,
    sort: str = "id",
    descending: bool = False,
    min_score: float | None = None,
    reviewer_id: int | None = None,
) -> int | None:
    """The article after (`step` > 0) or before (`step` < 0) `article_id` in a listing.

    Found by its (sort key, id) pair, so it works when `article_id` itself has left the
    listing (its status changed) and on any number of articles without scanning them.

    Args:
        session: Database session.
        article_id: The article to start from; it need not be in the listing.
        step: 1 for the next article, -1 for the previous one.
        status: The listing's status filter, as for `list_articles`.
        search: The listing's full-text query.
        sort: The listing's sort key.
        descending: Whether the listing is in reverse order.

    Returns:
        The neighbour's id, or None at either end of the listing (or for an unknown article).
    """
    forward = (step > 0) != descending
    scope = _Scope.of(session, status, search, reviewer_id)
    key = _sort_key(sort, min_score, scope, descending)
    beyond = _beyond(session, article_id, key, forward, scope.ident)
    if beyond is None:
        return None
    query = scope.filter(sa_select(col(Article.id)).where(beyond))
    query = query.order_by(*_order(key, not forward, scope.ident)).limit(1)
    with scope.reading(session):
        found = session.execute(query).scalar_one_or_none()
    return int(found) if found is not None else None


@dataclass(frozen=True, slots=True)
class _Scope:
    """What a listing holds: a status, a search, the reviewer's view (`team`)."""

    status: str | None
    found: SearchFrom | None
    team: Team | None
    share: float | None = None  # PostgreSQL: the most of the articles it matches
    walked: bool = False  # a common phrase: its first matches counted row by row

    @classmethod
    def of(
        cls, session: Session, status: str | None, search: str | None, reviewer_id: int | None
    ) -> _Scope:
        found = share = None
        walked = False
        if search and search.strip():
            found = search_from(session, Article.__table__, search)  # type: ignore[attr-defined]
            share = search_share(session, search)
            walked = (share is None or share >= DENSE) and checked_by_row(session, search)
        return cls(status, found, team_of(session, reviewer_id), share, walked)

    @property
    def sparse(self) -> bool:
        """A rare search on PostgreSQL: read through its index's bitmap (`DENSE`)."""
        return self.share is not None and self.share < DENSE

    def reading_ahead(self, session: Session) -> AbstractContextManager[None]:
        """How the ids of a search's next pages are read (`store.corpus.ahead`): on
        PostgreSQL through its index's bitmap unless the search is in most articles
        (`BITMAP_BELOW`), which are found walking the vectors in id order."""
        below = self.share is not None and self.share < BITMAP_BELOW
        return index_scans(session) if below else nullcontext()

    def reading(self, session: Session) -> AbstractContextManager[None]:
        """How a page of the listing is read: a rare search through its index's bitmap
        (`store.dialect.index_scans`), else as the planner likes."""
        return index_scans(session) if self.sparse else nullcontext()

    def counting(self, session: Session) -> AbstractContextManager[None]:
        """How a search's first matches are counted (`_capped`): through its index's bitmap
        (`store.dialect.index_scans`), except a common phrase, whose matches are checked on
        their rows either way (`search.checked_by_row`): its rows are walked in id order."""
        return nullcontext() if self.walked else index_scans(session)

    @property
    def ident(self) -> Any:
        """The column of article ids to order and page by (see `SearchFrom.ident`)."""
        return col(Article.id) if self.found is None else self.found.ident

    def filter(self, query: Any) -> Any:
        if self.status is not None:
            query = query.where(_status(self.team) == _checked_status(self.status))
        if self.found is not None:
            if self.found.source is not None:
                query = query.select_from(self.found.source)
            query = query.where(self.found.condition)
        return query


def _sort_key(
    sort: str, min_score: float | None, scope: _Scope, descending: bool
) -> tuple[Any, ...]:
    """The listing's sort key: the sort column, after "assigned to the reviewer" (their
    articles first, whichever way the listing goes) when they have assignments."""
    if sort not in SORTS:
        raise TelaahError(f"cannot sort by {sort!r}; choose one of {', '.join(SORTS)}")
    team = scope.team
    key = scope.ident if sort == "id" else SORTS[sort](min_score, team)
    if team is None or not team.assigned:
        return (key,)
    mine = exists().where(
        col(Assignment.article_id) == col(Article.id),
        col(Assignment.reviewer_id) == team.reviewer_id,
    )
    rank = case((mine, 1 if descending else 0), else_=0 if descending else 1)
    return (rank, key)


def _by_id(key: tuple[Any, ...], ident: Any) -> bool:
    """Whether the key is the id alone: ordered and paged by one column, which FTS5 serves."""
    return len(key) == 1 and key[0] is ident


def _order(key: tuple[Any, ...], descending: bool, ident: Any) -> tuple[Any, ...]:
    keys = () if _by_id(key, ident) else key
    if descending:
        return (*(k.desc() for k in keys), ident.desc())
    return (*keys, ident)


def _beyond(
    session: Session, article_id: int, key: tuple[Any, ...], forward: bool, ident: Any
) -> Any:
    """The condition "after `article_id` in (sort key, id) order" (before if not `forward`);
    None for an unknown article."""
    read = [col(Article.id) if k is ident else k for k in key]
    value = session.execute(sa_select(*read).where(col(Article.id) == article_id)).first()
    if value is None:
        return None
    if _by_id(key, ident):  # one column: a rowid range for FTS5 (`rowid > :last`)
        return ident > article_id if forward else ident < article_id
    pair = tuple_(*key, ident)
    mark = tuple_(*(literal(v) for v in value), literal(article_id))
    return pair > mark if forward else pair < mark


def _mentions_in(state: str, min_score: float | None = None, team: Team | None = None) -> Any:
    def count(seen: Any) -> Any:
        # A FILTER, not a WHERE on state: SQLite would otherwise walk the index on state
        # (every pending mention of the corpus) instead of the article's own mentions.
        counted = and_(col(Mention.state) == state, seen)
        if min_score is not None:  # not the candidates hidden under the threshold
            counted = and_(counted, shown_at(min_score))
        return (
            sa_select(func.count().filter(counted))
            .select_from(Mention)
            .where(col(Mention.article_id) == col(Article.id))
            .scalar_subquery()
        )

    return _per_article(Mention, team, count)


def _facts(team: Team | None = None) -> Any:
    def count(seen: Any) -> Any:
        return (
            sa_select(func.count())
            .select_from(Fact)
            .where(col(Fact.article_id) == col(Article.id), seen)
            .scalar_subquery()
        )

    return _per_article(Fact, team, count)


def _per_article(row: Any, team: Team | None, count: Callable[[Any], Any]) -> Any:
    """`count` of what the reviewer sees of each article (`store.layers`): the shared layer,
    or in an article reviewed blind their overlay; decided once per article, not per row."""
    shared = count(row.layer.is_(None))
    if team is None or not team.blind:
        return shared
    return case((team.several(), count(overlay(row, team.reviewer_id))), else_=shared)


def _status(team: Team | None) -> Any:
    """An article's status as the reviewer has it: done once they marked it done (an article
    with several assignees is done for all once each of them has)."""
    return col(Article.status) if team is None else team.status()


def get_article(
    *, session: Session, article_id: int | None = None, external_id: str | None = None
) -> ArticleView:
    """One article by id or external id."""
    query = select(Article)
    if article_id is not None:
        query = query.where(Article.id == article_id)
    elif external_id is not None:
        query = query.where(Article.external_id == external_id)
    else:
        raise TypeError("get_article needs article_id or external_id")
    article = session.exec(query).first()
    if article is None:
        raise NotFound(f"no article {article_id if article_id is not None else external_id!r}")
    return _view(article)


def set_status(*, session: Session, article_id: int, status: str, reviewer_id: int | None) -> None:
    """Set an article's status (todo, in_progress, done), audited and committed.

    An assignee's `done` is theirs (`assignment.done_at`); in an article reviewed blind
    (`store.layers`) the article is done once every assignee has marked it done, in progress
    until then."""
    article = session.get(Article, article_id)
    if article is None:
        raise NotFound(f"no article {article_id}")
    before = article.status
    status = _checked_status(status)
    now = utcnow()
    mine = session.get(Assignment, (article_id, reviewer_id)) if reviewer_id is not None else None
    if mine is not None:
        mine.done_at = now if status == "done" else None
        session.add(mine)
        session.flush()
    if mine is not None and is_blind(session, article_id):
        everyone_done = all(
            done is not None
            for done in session.execute(
                sa_select(col(Assignment.done_at)).where(col(Assignment.article_id) == article_id)
            ).scalars()
        )
        status = "done" if everyone_done else ("in_progress" if status == "done" else status)
    article.status = status
    article.updated_at = now
    audit.record(
        session,
        action=Action.ARTICLE_STATUS,
        reviewer_id=reviewer_id,
        target="article",
        target_id=article_id,
        before={"status": before},
        after={"status": status, **({"assignee_done": status == "done"} if mine else {})},
    )
    session.commit()


def _checked_status(status: str) -> str:
    if status not in ARTICLE_STATUSES:
        raise TelaahError(f"unknown status {status!r}; choose one of {', '.join(ARTICLE_STATUSES)}")
    return status


def _view(a: Article) -> ArticleView:
    assert a.id is not None
    return ArticleView(
        a.id,
        a.external_id,
        a.title,
        a.source,
        a.url,
        a.published,
        a.status,
        a.text,
        a.sha256,
        dict(a.meta or {}),
    )
