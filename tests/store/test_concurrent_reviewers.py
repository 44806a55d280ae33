"""Several reviewer processes deciding at once: nothing lost, nothing twice, the audit log
complete, and a contested mention decided once with every other attempt told who changed it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from concurrency import prepare, run, verify  # noqa: E402


@pytest.mark.slow
def test_four_reviewers_at_once(db_url: str) -> None:
    reviewers, per, contested = 4, 40, 10
    plan = prepare(db_url, reviewers, per, contested)
    outcomes, _seconds = run(db_url, plan)
    check = verify(db_url, plan, outcomes)
    assert check.expected == reviewers * per + contested
    assert check.decided_mentions == check.expected
    assert check.lost == 0 and check.duplicated == 0
    assert check.audit_entries == check.decisions_made == check.expected
    assert check.contested_once
    refused = sum(o.refused for o in outcomes)
    assert refused == (reviewers - 1) * contested
    assert sum(o.refusals_named for o in outcomes) == refused
