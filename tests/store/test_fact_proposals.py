"""Fact proposals: judged by hand on the sample corpus, and each rule on a sentence of its own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from store.corpus.demo import prepare_demo, sample_corpus_dir
from store.db import session_scope
from store.facts.proposals import Proposal, Span, propose
from store.facts.repository import list_facts
from store.facts.sources import not_news
from store.schema import FactTypeSpec, RoleSpec, parse_schema

FIXTURE = Path(__file__).parents[1] / "fixtures" / "fact_proposals.json"
# The facts the schema's tests name (tests/store/test_fact_candidates.py).
FOUR = [
    (1, "ARMS_TRANSFER", {"supplier": ["RU"], "recipient": ["KG"], "item": ["W-S300"]}),
    (2, "ARMS_TRANSFER", {"supplier": ["RU"], "recipient": ["KZ"], "item": ["W-S300PS"]}),
    (3, "MEMBERSHIP", {"member": ["RU", "KZ"], "organization": ["CSTO"]}),
    (
        2,
        "MEETING",
        {"participants": ["P-SHOIGU", "P-TASMAGAMBETOV"], "place": ["G-ASTANA"]},
    ),
]


def _key(article: int, type_: str, start: int, roles: dict[str, list[str]]) -> str:
    return json.dumps([article, type_, start, {r: sorted(v) for r, v in sorted(roles.items())}])


def test_fewer_than_half_of_the_proposals_are_wrong_and_the_known_facts_stay(
    engine: Engine, reviewer_id: int
) -> None:
    judged: dict[str, dict[str, Any]] = {}
    fixture = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert len(fixture["today"]) == 41
    assert sum(not p["right"] for p in fixture["today"]) > 41 / 2  # where it started
    for p in fixture["today"] + fixture["since"]:
        judged[_key(p["article"], p["type"], p["evidence"][0], p["roles"])] = p
    prepare_demo(engine, reviewer_id=reviewer_id)
    with session_scope(engine) as session:
        facts = list_facts(session=session, state="pending")
    now = []
    for fact in facts:
        roles: dict[str, list[str]] = {}
        for filler in fact.fillers:
            roles.setdefault(filler.role, []).append(filler.entity_key or filler.text)
        key = _key(fact.article_id, fact.type, fact.evidence_start or 0, roles)
        assert key in judged, f"judge this new proposal in {FIXTURE.name}: {key}"
        now.append((fact.article_id, fact.type, roles, judged[key]["right"]))
    wrong = sum(not right for *_rest, right in now)
    assert now and wrong < len(now) / 2, (wrong, len(now))
    for article, type_, roles in FOUR:
        assert any(
            (a, t) == (article, type_)
            and {r: sorted(v) for r, v in got.items()}
            == {r: sorted(v) for r, v in roles.items()}
            | {r: sorted(v) for r, v in got.items() if r not in roles}
            for a, t, got, _right in now
        ), (article, type_, roles)


def test_proposals_respect_role_labels_and_never_repeat_an_entity(
    engine: Engine, reviewer_id: int
) -> None:
    prepare_demo(engine, reviewer_id=reviewer_id)
    schema = parse_schema(sample_corpus_dir() / "schema.toml")
    specs = {t.name: {r.name: r for r in t.roles} for t in schema.fact_types}
    with session_scope(engine) as session:
        facts = list_facts(session=session)
    assert facts
    for fact in facts:
        keys = [f.entity_key for f in fact.fillers]
        assert len(keys) == len(set(keys)), fact
        for filler in fact.fillers:
            assert filler.label in specs[fact.type][filler.role].labels


# Each rule on a sentence of its own. Entities: 1 Rusia, 2 Kyrgyzstan, 3 S-300, 4 the news site.
AGREEMENT = FactTypeSpec(
    "AGREEMENT",
    (
        RoleSpec("parties", ("GPE", "ORG"), True, True),
        RoleSpec("topic", ("WEAPON", "ORG"), False, True),
    ),
    ("sepakat", "menyepakati", "perjanjian", "treaty"),
)
TRANSFER = FactTypeSpec(
    "ARMS_TRANSFER",
    (
        RoleSpec("supplier", ("GPE", "ORG"), True, False),
        RoleSpec("recipient", ("GPE", "ORG"), True, True),
        RoleSpec("item", ("WEAPON",), True, True),
    ),
    ("pasok", "kirim", "pengiriman"),
)
MEMBERSHIP = FactTypeSpec(
    "MEMBERSHIP",
    (
        RoleSpec("member", ("GPE", "ORG"), True, True),
        RoleSpec("organization", ("ORG",), True, False),
    ),
    ("anggota",),
)
TYPES = (AGREEMENT, TRANSFER, MEMBERSHIP)


def spans(text: str, *names: tuple[str, str, int]) -> list[Span]:
    """Mentions of `names` (surface, label, entity) at each place they occur, in order."""
    found = []
    for surface, label, entity in names:
        at = text.find(surface)
        while at >= 0:
            found.append(Span(len(found) + 1, at, at + len(surface), label, entity))
            at = text.find(surface, at + 1)
    return found


def described(text: str, proposals: list[Proposal], mentions: list[Span]) -> list[str]:
    by_id = {m.id: text[m.start : m.end] for m in mentions}
    return [
        " ".join([p.type, *(f"{r}={'+'.join(by_id[i] for i in ids)}" for r, ids in roles)])
        for p in proposals
        if (roles := list(p.roles.items())) is not None
    ]


RU, KG, S300 = ("Rusia", "GPE", 1), ("Kyrgyzstan", "GPE", 2), ("S-300", "WEAPON", 3)


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        # A dateline's site and place, and the site wherever else it stands, fill no role.
        (
            "KONTAN.CO.ID - MOSKOW. Rusia memasok S-300 ke KONTAN.CO.ID.",
            [("KONTAN.CO.ID", "ORG", 4), ("MOSKOW", "GPE", 5), RU, S300],
            [],
        ),
        (
            "AIRSPACE REVIEW – Rusia memasok S-300 ke Kyrgyzstan.",
            [("AIRSPACE REVIEW", "ORG", 4), RU, KG, S300],
            ["ARMS_TRANSFER supplier=Rusia recipient=Kyrgyzstan item=S-300"],
        ),
        # A quoted agency is the report's source.
        (
            "Dikutip dari TASS, perjanjian itu penting bagi Rusia.",
            [("TASS", "ORG", 4), RU],
            [],
        ),
        # A teaser line holds no fact of this article.
        ("Baca juga: Rusia dan Kyrgyzstan sepakat soal S-300", [RU, KG, S300], []),
        # A trigger inside a name is no trigger; one entity does not fill two roles.
        (
            "Collective Security Treaty Organization (CSTO) menyiapkan latihan.",
            [
                ("Collective Security Treaty Organization", "ORG", 6),
                ("CSTO", "ORG", 6),
            ],
            [],
        ),
        (
            "Latihan anggota Organisasi Keamanan (CSTO) di Kyrgyzstan.",
            [("Organisasi Keamanan", "ORG", 6), ("CSTO", "ORG", 6), KG],
            [],
        ),
        # An agreement needs two parties.
        ("Rusia menandatangani perjanjian tentang S-300.", [RU, S300], []),
        # Coordinated peers of the supplier are not its recipient.
        (
            "Rusia dan Kyrgyzstan menyepakati pengiriman S-300.",
            [RU, KG, S300],
            ["AGREEMENT parties=Rusia+Kyrgyzstan topic=S-300"],
        ),
        # Two triggers of one type in one sentence make one proposal with every party.
        (
            "Rusia dan Kyrgyzstan sepakat, lalu Belarus dan Armenia menandatangani perjanjian.",
            [RU, KG, ("Belarus", "GPE", 7), ("Armenia", "GPE", 8)],
            ["AGREEMENT parties=Rusia+Kyrgyzstan+Belarus+Armenia"],
        ),
    ],
)
def test_each_rule(text: str, names: list[tuple[str, str, int]], expected: list[str]) -> None:
    mentions = spans(text, *names)
    assert described(text, propose(text, mentions, TYPES), mentions) == expected


def test_the_articles_own_source_and_site_fill_no_role() -> None:
    text = "Rusia memasok S-300 ke Kyrgyzstan lewat Kompas.com dan Antara."
    mentions = spans(text, RU, KG, S300, ("Kompas.com", "ORG", 4), ("Antara", "ORG", 9))
    left_out = not_news(text, mentions, source="ANTARA", url="https://www.kompas.com/a/1")
    assert {text[m.start : m.end] for m in mentions if m.id in left_out} == {"Kompas.com", "Antara"}
    assert not_news(text, mentions) == set()
    byline = "Rusia memasok S-300 ke Kyrgyzstan. (RNS)\nJAKARTA (Reuters) - Rusia sepakat."
    mentions = spans(byline, ("RNS", "ORG", 4), ("Reuters", "ORG", 5), ("JAKARTA", "GPE", 6), RU)
    assert {byline[m.start : m.end] for m in mentions if m.id in not_news(byline, mentions)} == {
        "RNS",
        "Reuters",
        "JAKARTA",
    }
