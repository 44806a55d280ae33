"""How common a word is in the corpus languages, from wordfreq's frequency lists.

The precision gates of the matcher ask one question: is this token (or alias) an ordinary word?
The answer comes from a real word-frequency list (wordfreq, which ships Indonesian and English),
never from a hand-written stopword list. Frequencies are Zipf values: log10 of the frequency
per billion words; 3.0 is once per million words, 5.0 once per thousand.

Note that wordfreq counts names too: "rusia" is 5.0 in Indonesian, "moscow" 4.4 in English,
"putin" 4.1. The thresholds below are set with that in mind; they were tuned on the sample
corpus, the synthetic evaluation in the tests and a 100,000-alias benchmark gazetteer.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import lru_cache

import wordfreq

from store.matching.normalise import TOKEN, fold

# A known word: at least once per million words in one of the languages. Aliases at or above it
# ("Barat" 5.4, "Sumber" 5.4, "Rusia" 5.0, "Kazakhstan" 3.6) produce candidates only where the
# text writes them with a capital; a known word in the text is not taken for a misspelling
# unless the alias it would be a variant of is more common still ("Moskow" 4.0 -> "Moscow" 4.4).
KNOWN = 3.0
# A common word: aliases at or above it are never fuzzy targets ("Barat", "Selatan", "Rusia",
# "Korea"; "Moscow" at 4.4 stays one), and text tokens at or above it never anchor a fuzzy match
# ("Barat" in "negara-negara Barat" is not a misspelt "Barak").
COMMON = 4.5
# An alias this common at the start of a sentence has its capital from the sentence, not from
# being a name ("Baca juga", "Perak untuk", "Son is"): it is proposed there only if the text
# also capitalises it inside a sentence or writes more capitals in it. Names just above KNOWN
# ("Minsk" 3.1, "Kabul" 3.4, "Taliban" 3.7) are taken at the start of a sentence as they are.
SENTENCE_START = 4.0
# A very common word, a function word of the language ("di" 7.3, "yang" 7.5, "sama" 6.2,
# "kerja" 5.8): as an alias it needs a capital that is not just the start of a sentence.
VERY_COMMON = 5.5


@lru_cache(maxsize=8)
def word_table(languages: tuple[str, ...]) -> dict[str, float]:
    """Folded word -> highest Zipf frequency over `languages`, for the known words (KNOWN or
    more: every gate asks about those). The values are wordfreq's zipf_frequency()."""
    table: dict[str, float] = {}
    for lang in languages:
        # wordfreq's list is in bands of one centibel, most frequent first: band b holds the
        # words of frequency 10 ** (-b / 100), Zipf 9 - b / 100.
        for band, words in enumerate(wordfreq.get_frequency_list(lang)):
            zipf = round(9.0 - band / 100.0, 2)
            if zipf < KNOWN:
                break
            for word in words:
                key = fold(word)
                if key.isalpha() and TOKEN.fullmatch(key) and table.get(key, 0.0) < zipf:
                    table[key] = zipf
    return table


def phrase_zipf(tokens: Iterable[str], table: dict[str, float]) -> float:
    """The Zipf frequency of a phrase of folded tokens, combined the way wordfreq does it.

    A phrase is as frequent as 1 / sum(1 / f) of its words: "kerja sama" is 5.6, "asia tengah"
    5.0, and any word that is not a known word (a name, a designation with digits) makes the
    phrase rare (0).
    """
    inverse = 0.0
    for token in tokens:
        zipf = table.get(token, 0.0)  # (the table has no words with digits)
        if zipf <= 0.0:
            return 0.0
        inverse += 10.0**-zipf
    return round(-math.log10(inverse), 2) if inverse else 0.0
