"""Two reviewers' blind layers on one sample article, made through the real decision path."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import select

from store.corpus.demo import prepare_demo
from store.db import session_scope
from store.models import Assignment, Mention
from store.review.mentions import decide_mention
from store.reviewers import ensure_reviewer


def decide_blind(engine: Engine, reviewer_id: int) -> tuple[int, list[Mention]]:
    """Article 1 of the sample corpus reviewed blind by ana and budi.

    ana accepts every shown candidate; budi rejects the first, relabels the second (to a label
    ana did not use there) and accepts the rest.
    """
    prepare_demo(engine, reviewer_id=reviewer_id)
    with session_scope(engine) as session:
        ana = ensure_reviewer(session=session, name="ana")
        budi = ensure_reviewer(session=session, name="budi")
        session.add(Assignment(article_id=1, reviewer_id=ana))
        session.add(Assignment(article_id=1, reviewer_id=budi))
        session.commit()
        shared = list(
            session.exec(
                select(Mention)
                .where(Mention.article_id == 1, Mention.layer.is_(None))  # type: ignore[union-attr]
                .where(Mention.state == "pending", Mention.score >= 50)
                .order_by(Mention.start)
            ).all()
        )
        assert len(shared) >= 4
        for m in shared:
            assert m.id is not None
            decide_mention(session=session, mention_id=m.id, state="accepted", reviewer_id=ana)
        other = "ORG" if shared[1].label != "ORG" else "PER"
        for i, m in enumerate(shared):
            assert m.id is not None
            if i == 0:
                decide_mention(session=session, mention_id=m.id, state="rejected", reviewer_id=budi)
            elif i == 1:
                decide_mention(
                    session=session,
                    mention_id=m.id,
                    state="accepted",
                    reviewer_id=budi,
                    label=other,
                )
            else:
                decide_mention(session=session, mention_id=m.id, state="accepted", reviewer_id=budi)
    return len(shared), shared
