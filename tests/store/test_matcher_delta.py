"""A matcher edited in place many times over (a reviewer making entity after entity) matches
as one built from the gazetteer as it is, and each edit indexes about its own aliases only."""

from __future__ import annotations

import math
import random
import re
from collections.abc import Iterable
from typing import Any

import pytest

import store.matching.delta as delta_module
from store.matching import AliasEntry, Matcher
from tests.store.test_matcher import articles, sample_entries


def grouped(entries: Iterable[AliasEntry]) -> dict[str, list[AliasEntry]]:
    out: dict[str, list[AliasEntry]] = {}
    for entry in entries:
        out.setdefault(entry.key, []).append(entry)
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_long_run_of_edits_matches_as_a_rebuilt_matcher_and_indexes_little(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    texts = articles()
    everything = grouped(sample_entries())
    # Half of the sample gazetteer's entities left out: the names a reviewer makes entities of.
    left_out = set(rng.sample(sorted(everything), len(everything) // 2))
    gazetteer = {key: found for key, found in everything.items() if key not in left_out}
    matcher = Matcher.build(e for found in gazetteer.values() for e in found)
    capitalised = re.compile(r"\b[A-Z][a-z]{3,}(?: [A-Z][a-z]+)?")
    names = sorted({m for text in texts.values() for m in capitalised.findall(text)})

    indexed: list[int] = []  # aliases of each index the delta builds
    real_index = delta_module.Index

    def counting(aliases: Iterable[AliasEntry], languages: tuple[str, ...]) -> Any:
        aliases = list(aliases)
        indexed.append(len(aliases))
        return real_index(aliases, languages)

    monkeypatch.setattr(delta_module, "Index", counting)
    edited = 0  # aliases the edits gave
    made = 0
    for step in range(1, 161):
        kind = rng.choice(["make", "make", "make", "restore", "extend", "delete"])
        if kind == "restore" and left_out:  # an entity of the full gazetteer made again
            key = rng.choice(sorted(left_out))
            left_out.discard(key)
            change = {key: everything[key]}
        elif kind == "extend" and made:  # an entity made earlier gets another alias
            key = f"NEW-{rng.randrange(made)}"
            change = {key: [*gazetteer[key], AliasEntry(key, rng.choice(names), "ORG")]}
        elif kind == "delete":
            key = rng.choice(sorted(gazetteer))
            change = {key: []}
        else:  # a new entity from a name in the text, sometimes with a second alias
            key = f"NEW-{made}"
            made += 1
            aliases = {rng.choice(names) for _ in range(rng.choice([1, 1, 2]))}
            change = {key: [AliasEntry(key, alias, "PERSON") for alias in sorted(aliases)]}
        edited += sum(len(v) for v in change.values())
        for key, found in change.items():
            if found:
                gazetteer[key] = list(found)
            else:
                gazetteer.pop(key, None)
        matcher.update(change)
        if step % 20 == 0:
            rebuilt = Matcher.build(e for found in gazetteer.values() for e in found)
            for name, text in texts.items():
                assert matcher.find_candidates(text) == rebuilt.find_candidates(text), (
                    seed,
                    step,
                    name,
                )
    assert matcher._delta is not None  # (never folded: far under FOLD)
    # A binary counter's carries: each alias is indexed again about log2(n) times, where
    # building the whole delta for each edit indexes it once per later edit (n*n/2).
    bound = edited * (math.log2(edited) + 2)
    assert sum(indexed) < bound, (sum(indexed), edited)
    assert len(matcher._delta.segments) <= math.log2(edited) + 2
