"""The mark mode's `n`: where a name written in capitals ends (pure, no app)."""

from __future__ import annotations

import pytest

from store.corpus.phrases import phrase_end


@pytest.mark.parametrize(
    ("text", "cross", "name"),
    [
        ("Shanghai Cooperation Organization (SCO) dan", False, "Shanghai Cooperation Organization"),
        (
            "Organisasi Perjanjian Keamanan Kolektif, kata",
            False,
            "Organisasi Perjanjian Keamanan Kolektif",
        ),
        ("Timur Tengah dan Afrika Utara.", False, "Timur Tengah dan Afrika Utara"),
        # Two names joined by a lower-case word stay apart...
        ("Rusia dan Kyrgyzstan akan", False, "Rusia"),
        ("S-300PS ke Kazakhstan", False, "S-300PS"),
        ("Presiden Rusia Vladimir Putin pada Minggu", False, "Presiden Rusia Vladimir Putin"),
        # ... unless asked to cross (a second `n`): then both lower-case words go too.
        ("Ministry of Defence of the Russian Federation said", False, "Ministry"),
        (
            "Ministry of Defence of the Russian Federation said",
            True,
            "Ministry of Defence of the Russian Federation",
        ),
        ("Rusia dan Kyrgyzstan akan", True, "Rusia dan Kyrgyzstan"),
        ("Rusia dan akan", True, "Rusia"),  # no capitalised word after: nothing to join
        # Punctuation, numbers and line breaks end a name; the first word is always in it.
        ("KONTAN.CO.ID - MOSKOW. Rusia", False, "KONTAN.CO.ID"),
        ("IDEX 2021 jadi", False, "IDEX"),
        ("Organisasi Perjanjian\nKeamanan", False, "Organisasi Perjanjian"),
        ("Uni Soviet\tRusia", False, "Uni Soviet\tRusia"),
        ("al-Assad Bashar berkata", False, "al-Assad Bashar"),
        ("Ёлка Новая и Старая Москва", False, "Ёлка Новая и Старая Москва"),
    ],
)
def test_phrase_end(text: str, cross: bool, name: str) -> None:
    assert text[: phrase_end(text, 0, cross=cross)] == name


def test_no_word_at_the_start_is_the_start() -> None:
    assert phrase_end("  Rusia", 0) == 0
    assert phrase_end("", 0) == 0
    assert phrase_end("ab Cd", 3) == 5
