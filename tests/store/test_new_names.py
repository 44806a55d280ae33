"""Names the gazetteer lacks, proposed as `new name` candidates (store.matching.names)."""

from __future__ import annotations

from store.matching import AliasEntry, Matcher
from store.matching.names import NEW_NAME, SCORE, with_new_names
from store.matching.words import COMMON, KNOWN, word_table

GAZETTEER = [
    AliasEntry("RU", "Rusia", "GPE"),
    AliasEntry("PM", "Partai Merah", "ORG"),
    AliasEntry("PB", "Partai Biru", "ORG"),
    AliasEntry("JW", "Joko Widodo", "PERSON"),
]


def names(text: str) -> dict[str, str]:
    """The new names proposed in `text`: surface -> label; checks what they all share."""
    found = {}
    for c in with_new_names(Matcher.build(GAZETTEER), text):
        if c.reason != NEW_NAME:
            continue
        assert c.key == "" and c.score == SCORE < 50 and c.method == "name"
        assert text[c.start : c.end] == c.text
        found[c.text] = c.label
    return found


def test_the_words_the_rules_rely_on_are_as_common_as_assumed() -> None:
    table = word_table(("id", "en"))
    assert table.get("presiden", 0) >= COMMON and table.get("senin", 0) >= COMMON
    assert table.get("menurut", 0) >= KNOWN and table.get("kantor", 0) >= COMMON


def test_names_no_alias_matched_are_proposed_with_the_gazetteers_labels() -> None:
    found = names(
        "Presiden Joko Susilo bertemu Rusia di kantor Partai Hijau pada Senin (26/8). "
        "Menurut dia, BBX siap."
    )
    # `Presiden` leads the name but is a common word; `Joko` is a word of the gazetteer's
    # names (PERSON); `Partai` opens two ORG aliases; an acronym is a name by its shape.
    assert found == {"Joko Susilo": "PERSON", "Partai Hijau": "ORG", "BBX": "ORG"}
    # Not proposed: `Rusia` (a candidate), `Senin (26/8)` (a day), `Menurut` (a known word
    # opening a sentence).


def test_a_name_running_into_a_candidate_is_left_to_the_candidate() -> None:
    assert names("Kemarin Joko Widodo Santoso datang ke Rusia.") == {}
    assert "Santoso" not in names("Pesan dari Joko Widodo Santoso datang.")


def test_headlines_and_title_case_openers_are_not_names() -> None:
    assert names("Rusia Kuasai Pasar Senjata Dunia Lagi\n\nBaca Juga: Rusia menang.") == {}


def test_new_names_sit_beside_the_candidates_without_overlapping() -> None:
    text = "Anggota DPR dan Rusia bertemu Wiranto."
    found = with_new_names(Matcher.build(GAZETTEER), text)
    spans = [(c.start, c.end) for c in found]
    assert spans == sorted(spans)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))
    assert {c.text for c in found if c.reason == NEW_NAME} == {"DPR", "Wiranto"}
