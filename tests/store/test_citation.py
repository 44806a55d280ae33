"""What `c` and `C` copy: the mention line and the sentence with its citation."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from store.corpus.articles import ArticleView
from store.facts.repository import FactView, RoleFiller
from store.review.citation import fact_citation, mention_line, sentence_citation, sentence_span
from store.review.mentions import MentionView

TEXT = (
    "MOSKOW - Rusia memasok S-300 ke Kyrgyzstan. Dr. Andi\tmencatat 1.500 unit.\n\n"
    "“Ini penting,” kata Baiterek."
)


def article(**changes: object) -> ArticleView:
    """An article with title, source, date and URL (each can be changed)."""
    base = ArticleView(
        id=12,
        external_id="000_abc",
        title="Rusia memasok S-300",
        source="KONTAN",
        url="https://example.org/a",
        published=date(2021, 2, 25),
        status="todo",
        text=TEXT,
        sha256="",
        meta={},
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def mention(
    surface: str, *, label: str = "GPE", key: str | None = "KG", occurrence: int = 0
) -> MentionView:
    """A mention of the `occurrence`-th `surface` in TEXT."""
    start = -1
    for _ in range(occurrence + 1):
        start = TEXT.index(surface, start + 1)
    return MentionView(
        id=1,
        article_id=12,
        start=start,
        end=start + len(surface),
        text=surface,
        label=label,
        state="pending",
        origin="gazetteer",
        entity_key=key,
        entity_name=None,
        matched_alias=None,
        score=None,
        method=None,
        alternatives=(),
    )


def test_mention_line_has_four_tab_separated_columns() -> None:
    m = mention("Kyrgyzstan")
    assert mention_line(m, 12) == f"Kyrgyzstan\tGPE\tKG\t12:{m.start}-{m.end}"
    assert TEXT[m.start : m.end] == "Kyrgyzstan"


def test_unlinked_mention_has_an_empty_key_and_inner_tabs_become_spaces() -> None:
    m = mention("Andi\tmencatat", label="PER", key=None)
    line = mention_line(m, 12)
    assert line == f"Andi mencatat\tPER\t\t12:{m.start}-{m.end}"
    assert line.count("\t") == 3 and "\n" not in line
    assert len(line.split("\t")[0]) == m.end - m.start  # the surface keeps its length


def test_sentence_citation_quotes_the_sentence_and_says_where_it_is_from() -> None:
    m = mention("Kyrgyzstan")
    assert sentence_citation(article(), m) == (
        "“MOSKOW - Rusia memasok S-300 ke Kyrgyzstan.” — Rusia memasok S-300, KONTAN, "
        "2021-02-25, https://example.org/a (article 12:0-43)"
    )
    assert TEXT[0:43] == "MOSKOW - Rusia memasok S-300 ke Kyrgyzstan."


def test_abbreviations_do_not_cut_the_sentence_and_tabs_are_shown_as_spaces() -> None:
    m = mention("Andi", label="PER", key=None)
    start, end = sentence_span(article(), m)
    assert TEXT[start:end] == "Dr. Andi\tmencatat 1.500 unit."
    assert sentence_citation(article(source=None, url=None), m) == (
        f"“Dr. Andi mencatat 1.500 unit.” — Rusia memasok S-300, 2021-02-25 "
        f"(article 12:{start}-{end})"
    )


def test_missing_metadata_is_left_out() -> None:
    m = mention("Baiterek", label="PER")
    start, end = sentence_span(article(), m)
    assert TEXT[start:end] == "“Ini penting,” kata Baiterek."
    assert sentence_citation(article(source=None, url=None, published=None), m) == (
        f"““Ini penting,” kata Baiterek.” — Rusia memasok S-300 (article 12:{start}-{end})"
    )


def test_a_mention_across_a_sentence_end_cites_both_sentences() -> None:
    start = TEXT.index("Kyrgyzstan")
    end = TEXT.index("Andi") + len("Andi")
    m = replace(mention("Kyrgyzstan"), end=end, text=TEXT[start:end])
    assert sentence_span(article(), m) == (0, TEXT.index("unit.") + len("unit."))


def filler(role: str, surface: str, label: str, key: str | None, name: str | None) -> RoleFiller:
    """A role filled by the first `surface` of TEXT."""
    start = TEXT.index(surface)
    return RoleFiller(role, 1, start, start + len(surface), surface, label, key, name)


def fact(evidence: tuple[int, int] | None, *fillers: RoleFiller) -> FactView:
    """An ARMS_TRANSFER fact of article 12."""
    return FactView(
        id=3,
        article_id=12,
        type="ARMS_TRANSFER",
        state="accepted",
        origin="manual",
        evidence_start=evidence[0] if evidence else None,
        evidence_end=evidence[1] if evidence else None,
        note=None,
        reviewer="t",
        needs_review=False,
        review_reason=None,
        fillers=tuple(fillers),
    )


def test_fact_citation_has_type_roles_entities_quote_source_and_offsets() -> None:
    line = fact_citation(
        fact(
            (0, 43),
            filler("supplier", "Rusia", "GPE", "RU", "Russia"),
            filler("recipient", "Kyrgyzstan", "GPE", "KG", "Kyrgyzstan"),
            filler("item", "S-300", "WEAPON", None, None),
        ),
        article(),
    )
    assert line == (
        "ARMS_TRANSFER: supplier=Rusia (Russia, RU); recipient=Kyrgyzstan (Kyrgyzstan, KG); "
        "item=S-300 — “MOSKOW - Rusia memasok S-300 ke Kyrgyzstan.” — Rusia memasok S-300, "
        "KONTAN, 2021-02-25, https://example.org/a (article 12:0-43)"
    )
    assert "\n" not in line and "\t" not in line


def test_fact_citation_joins_several_fillers_and_keeps_one_line() -> None:
    start = TEXT.index("Dr.")
    end = TEXT.index("unit.") + 5
    line = fact_citation(
        fact(
            (start, end),
            filler("recipient", "Kyrgyzstan", "GPE", "KG", None),
            filler("recipient", "Andi\tmencatat", "PER", None, None),
        ),
        article(source=None, url=None, published=None),
    )
    assert line == (
        f"ARMS_TRANSFER: recipient=Kyrgyzstan (KG, KG) + Andi mencatat — "
        f"“Dr. Andi mencatat 1.500 unit.” — Rusia memasok S-300 (article 12:{start}-"
        f"{end})"
    )


def test_fact_citation_without_evidence_cites_the_fillers_span() -> None:
    rusia = filler("supplier", "Rusia", "GPE", "RU", "Russia")
    kg = filler("recipient", "Kyrgyzstan", "GPE", "KG", "Kyrgyzstan")
    line = fact_citation(fact(None, rusia, kg), article())
    assert "“" not in line
    assert line.endswith(f"(article 12:{rusia.start}-{kg.end})")
    assert fact_citation(fact(None), article()).endswith("https://example.org/a (article 12)")
