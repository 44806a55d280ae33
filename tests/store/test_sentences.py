"""The news-text sentence splitter: the sample articles and the cases that break naive ones."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store.corpus.sentences import sentence_at, sentence_spans
from tests.conftest import SAMPLE


def sentences(text: str) -> list[str]:
    """The sentences of `text` as strings."""
    return [text[start:end] for start, end in sentence_spans(text)]


def sample(name: str) -> str:
    """One sample article's text (the seeds are stored normalised: UTF-8, LF)."""
    return (SAMPLE / "articles" / f"{name}.txt").read_text(encoding="utf-8")


def test_kontan_dateline_stays_with_the_first_sentence_and_lines_are_units() -> None:
    found = sentences(sample("000_a42ce8c8cff4bffc"))
    assert found[0] == (
        "Rusia akan memasok drone tempur serta sistem pertahan udara S-300 ke Kyrgyzstan"
    )  # the title line, no full stop, is its own unit
    # `MOSKOW.` followed by a no-break space is a dateline, not a sentence.
    assert found[1] == (
        "KONTAN.CO.ID - MOSKOW.\xa0Rusia dan Kyrgyzstan akhirnya menyepakati "
        "pengiriman paket persenjataan berupa drone tempur serta sistem "
        "pertahanan udara S-300."
    )
    assert found[2].startswith("Dengan ini, Rusia memperkuat")
    assert "Baca Juga: IDEX 2021 jadi ajang Rusia pamerkan beragam senjata anti-drone" in found
    # A quotation whose comma sits inside the closing quote is one sentence with its attribution.
    assert any(
        s.startswith('"Secara khusus') and s.endswith("seperti dikutip dari TASS.") for s in found
    )
    assert (
        "Melalui perjanjian tersebut, Rusia kemudian diminta mengirimkan senjata modern "
        "senilai US$ 1 miliar ke Kyrgyzstan." in found
    )
    assert found[-1].startswith("Selanjutnya: Mulai mengalir")
    assert len(found) == 16


def test_quotes_spanning_sentences_and_single_newline_paragraphs() -> None:
    found = sentences(sample("001_4829cc027021955c"))
    assert found[1] == (
        "Menteri Pertahanan Rusia Sergey Shoigu menyampaikan hal itu pada "
        "pertemuan dengan Menhan Kazakhstan Imangali Tasmagambetov di Astana, "
        "Rabu 8 Juni 2016."
    )
    assert "“Penciptaan sistem regional tersebut adalah tahap pertama." in found
    assert (
        "“Prioritas kami adalah untuk membuat pertahanan yang handal yang mampu menahan "
        "setiap tantangan dan ancaman,” kata menteri pertahanan Rusia."
    ) in found
    assert found[-1] == (
        "Minsk dan Astana telah dipersenjatai dengan sistem pertahanan udara S-300PS Rusia."
    )


def test_dash_datelines_credits_and_teaser_lines() -> None:
    found = sentences(sample("002_4586a4b7f868de15"))
    assert found[0] == (
        "AIRSPACE REVIEW – Rusia siap meningkatkan kerja sama dengan Kazakhstan di bidang militer."
    )
    # The agency credit stays with the last sentence of the story.
    assert found[18].endswith("dengan biaya yang relatif terjangkau. (RNS)")
    teasers = found[19:]
    assert len(teasers) == 6
    assert all(t.startswith("AIRSPACE REVIEW - ") and t.endswith("…") for t in teasers)


def test_kompas_byline_lines_and_comment_section() -> None:
    found = sentences(sample("003_c1dc262f42aeac0c"))
    assert found[:7] == [
        "Baca berita tanpa iklan.",
        "Gabung Kompas.com+",
        "Kompas.com - 26/08/2021, 16:22 WIB",
        "Danur Lambang Pristiandaru",
        "Penulis",
        "Sumber AFP,TASS",
        "MOSKWA, KOMPAS.com – Rusia menerima sejumlah pesanan baru terkait senjata dan helikopter"
        " dari sejumlah negara-negara Asia Tengah yang berbatasan dengan Afghanistan.",
    ]
    assert (
        "Pengumumnan itu disampaikan kepala perusahaan eksportir senjata milik Rusia "
        "Rosoboronexport, Alexander Mikheev, pada Kamis (26/8/2021)."
    ) in found
    # Domains and URLs inside a sentence do not end it.
    assert (
        'Mari bergabung di Grup Telegram "Kompas.com News Update", caranya klik link '
        "https://t.me/kompascomupdate, kemudian join."
    ) in found
    tail = found[found.index("Komentar") - 9 :]
    assert tail == [
        "Sumber AFP,TASS",
        "Video rekomendasi",
        "Video lainnya",
        *["Baca berita tanpa iklan.", "Gabung Kompas.com+"] * 3,
        "Komentar",
        "Baca berita tanpa iklan.",
        "Gabung Kompas.com+",
        "Close Ads",
        "Lengkapi Profil",
        "Lengkapi Profil",
        "Segera lengkapi data dirimu untuk ikutan program #JernihBerkomentar.",
        "Bagikan artikel ini melalui",
        "Oke",
        "Login untuk memaksimalkan pengalaman mengakses Kompas.com",
    ]


def test_reader_comment_with_numbered_quote_and_emoji() -> None:
    text = sample("004_19e059828b115e99")
    found = sentences(text)
    assert found[1] == "Su-57UAC"  # a photo caption
    start = found.index("Leave a Reply")
    assert found[start - 4 :] == [
        "One Reply to “Rusia perluas jaringan kerja sama militer-teknis: Delapan negara sudah "
        "menandatangani, enam negara lain menyusul di tahun 2026”",
        # The item number belongs to its line and its full stop ends nothing.
        "1. “Negara-negara tersebut berada di kawasan Asia Selatan dan Asia Tenggara, Timur Tengah"
        " dan Afrika Utara (MENA), serta Amerika Latin dan Afrika Sub-Sahara.”",
        "Asia Tenggara?",
        found[start - 1],
        "Leave a Reply",
        "Your email address will not be published.",
        "Required fields are marked *",
    ]
    comment = found[start - 1]
    assert comment.startswith("Siapa ya kira-kira \U0001f914 semoga saja kita")
    assert comment.endswith("BTR-50P dan PT-76 \U0001f44d")  # astral code points counted once
    spans = sentence_spans(text)
    assert text[spans[start - 1][0] : spans[start - 1][1]] == comment


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Harga naik 1.500 rupiah, atau 3.5 persen, pada 24.02.2021. Pemerintah diam.",
            ["Harga naik 1.500 rupiah, atau 3.5 persen, pada 24.02.2021.", "Pemerintah diam."],
        ),
        (
            "Dr. Andi tinggal di Jl. Sudirman No. 5 bersama Tn. Budi. Ia senang.",
            ["Dr. Andi tinggal di Jl. Sudirman No. 5 bersama Tn. Budi.", "Ia senang."],
        ),
        (
            "Presiden J. Smith bertemu H. Ahmad di U.S. Army base. Lalu pulang.",
            ["Presiden J. Smith bertemu H. Ahmad di U.S. Army base.", "Lalu pulang."],
        ),
        (
            "Mereka membeli senjata, amunisi, dll. Rusia juga menjual heli.",
            ["Mereka membeli senjata, amunisi, dll.", "Rusia juga menjual heli."],
        ),
        (
            "Mereka membeli senjata, amunisi, dsb. dan banyak lagi.",
            ["Mereka membeli senjata, amunisi, dsb. dan banyak lagi."],
        ),
        (
            "Ia membayar Rp 1.000.000. Sisanya Rp. 500.",
            ["Ia membayar Rp 1.000.000.", "Sisanya Rp. 500."],
        ),
        ('Ia berkata, "Kami siap." Lalu ia pergi.', ['Ia berkata, "Kami siap."', "Lalu ia pergi."]),
        ("“Siapa?” tanya dia. “Saya!”", ["“Siapa?” tanya dia.", "“Saya!”"]),
        ("Tunggu... Apa itu? Tidak tahu!! Ya…", ["Tunggu...", "Apa itu?", "Tidak tahu!!", "Ya…"]),
        (
            "Jakarta, CNN Indonesia -- Presiden tiba. Ia disambut.",
            ["Jakarta, CNN Indonesia -- Presiden tiba.", "Ia disambut."],
        ),
        ("MOSKOW. Rusia siap. Kazakhstan juga.", ["MOSKOW. Rusia siap.", "Kazakhstan juga."]),
        (
            "- butir satu. Kalimat kedua.\n- butir dua\n* butir tiga\n• empat\n2) lima",
            [
                "- butir satu.",
                "Kalimat kedua.",
                "- butir dua",
                "* butir tiga",
                "• empat",
                "2) lima",
            ],
        ),
        # A long line that does not end a sentence, continued in lower case: a hard wrap.
        (
            "Kementerian Pertahanan Rusia menyatakan bahwa sistem\nrudal itu tiba. Lalu diuji.",
            [
                "Kementerian Pertahanan Rusia menyatakan bahwa sistem\nrudal itu tiba.",
                "Lalu diuji.",
            ],
        ),
        # Comment lines: short user names and times are units, lower case or not.
        (
            "Komentar\nbudi123\n12 Maret 2021 pukul 10.15\nSetuju! Mantap.\n\n\nandi\nTidak.",
            [
                "Komentar",
                "budi123",
                "12 Maret 2021 pukul 10.15",
                "Setuju!",
                "Mantap.",
                "andi",
                "Tidak.",
            ],
        ),
        # Other line breaks count like LF (CRLF once), for text that did not come through import.
        (
            "Judul\r\nIsi berita.\r\n\r\nKomentar\u2028andi",
            ["Judul", "Isi berita.", "Komentar", "andi"],
        ),
        ("  \n\n", []),
    ],
)
def test_news_text_cases(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_sentence_at_finds_the_sentence_or_the_next_one() -> None:
    text = "Satu dua.  Tiga empat.\n\nLima."
    assert sentence_at(text, 0) == (0, 9)
    assert sentence_at(text, 8) == (0, 9)
    assert sentence_at(text, 9) == (11, 22)  # between sentences: the next one
    assert sentence_at(text, 15) == (11, 22)
    assert sentence_at(text, len(text)) == (24, 29)  # past the last: the last one
    assert sentence_at("   ", 1) == (1, 1)
    with pytest.raises(ValueError, match="outside"):
        sentence_at(text, len(text) + 1)


# Text made of the characters that matter to the splitter.
NEWS_ALPHABET = st.sampled_from(
    list("aAbZz09 .,!?…\"'“”‘’«»()[]-–—•*:;\n\n\t\xa0\u2028\r")
    + ["\U0001f914", "Dr.", "U.S.", "1."]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(NEWS_ALPHABET, max_size=80).map("".join))
def test_spans_partition_the_non_space_characters(text: str) -> None:
    spans = sentence_spans(text)
    owner = [0] * len(text)
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)  # ordered, non-empty, inside the text
        assert not text[start].isspace() and not text[end - 1].isspace()  # trimmed
        for index in range(start, end):
            owner[index] += 1
        previous_end = end
    for index, char in enumerate(text):
        assert owner[index] == 1 or (char.isspace() and owner[index] == 0), (index, char)
    for start, end in spans:
        assert sentence_at(text, start) == (start, end)
        assert sentence_at(text, end - 1) == (start, end)
