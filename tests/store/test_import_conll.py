"""CoNLL inputs as real corpora write them: TAB-separated columns whose tokens hold spaces,
CRLF line endings, no `-DOCSTART-` line.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select
from sqlmodel import Session

from store.formats.conll import read_conll
from store.formats.reading import ReadDoc
from store.models import Article
from tests.store.test_import_annotated import mentions, run

# The shape of IndoNLU's NERGrit files (https://github.com/IndoNLP/indonlu,
# dataset/nergrit_ner-grit/valid_preprocess.txt): `token<TAB>tag`, IOB2, a blank line between
# sentences, no -DOCSTART-. The second sentence is that file's own; in the first, a food corpus's
# multi-word token (`es krim<TAB>B-FNB`) and a name kept as one token (`Justin Bieber`), as
# corpora that annotate phrases write them. Saved with CRLF line endings, as on Windows.
NEWS = [
    "Pengunjung\tO",
    "menikmati\tO",
    "es krim\tB-FNB",
    "dan\tO",
    "kopi susu\tB-FNB",
    "gula aren\tI-FNB",
    "di\tO",
    "Jakarta\tB-PLACE",
    ".\tO",
    "",
    "Band\tO",
    "ini\tO",
    "pernah\tO",
    "juga\tO",
    "menjadi\tO",
    "opening\tO",
    "di\tO",
    "konser\tO",
    "Justin Bieber\tB-PERSON",
    "di\tO",
    "Jakarta\tB-PLACE",
    "tanggal\tO",
    "23\tO",
    "April\tO",
    "lalu\tO",
    ".\tO",
    "",
]
TEXT = (
    "Pengunjung menikmati es krim dan kopi susu gula aren di Jakarta .\n"
    "Band ini pernah juga menjadi opening di konser Justin Bieber di Jakarta tanggal 23 April "
    "lalu ."
)


def write_news(path: Path) -> Path:
    path.write_bytes("\r\n".join(NEWS).encode("utf-8"))
    assert b"\r\n" in path.read_bytes() and b"\n\n" not in path.read_bytes()
    return path


def test_tokens_with_spaces_stay_whole_in_a_tab_separated_crlf_file(tmp_path: Path) -> None:
    path = write_news(tmp_path / "berita.txt")
    items = list(read_conll(path))
    assert len(items) == 1 and isinstance(items[0], ReadDoc)
    doc = items[0].doc
    assert doc.text == TEXT
    assert [(s.text, s.label) for s in doc.spans] == [
        ("es krim", "FNB"),
        ("kopi susu gula aren", "FNB"),
        ("Jakarta", "PLACE"),
        ("Justin Bieber", "PERSON"),
        ("Jakarta", "PLACE"),
    ]
    assert all(doc.text[s.start : s.end] == s.text for s in doc.spans)
    assert items[0].span_lines == {0: 3, 1: 5, 2: 8, 3: 19, 4: 21}


def test_the_import_stores_the_whole_text_and_every_span(
    engine: Engine, session: Session, reviewer_id: int, tmp_path: Path
) -> None:
    report = run(engine, "conll", write_news(tmp_path / "berita.conll"), reviewer_id)
    assert (report.failed, report.problems, report.mentions) == (0, [], 5)
    assert session.execute(select(Article.text)).scalar_one() == TEXT
    assert [(m[0], m[1], m[2], m[3]) for m in mentions(session)] == [
        (21, 28, "es krim", "FNB"),
        (33, 52, "kopi susu gula aren", "FNB"),
        (56, 63, "Jakarta", "PLACE"),
        (113, 126, "Justin Bieber", "PERSON"),
        (130, 137, "Jakarta", "PLACE"),
    ]


def test_a_tab_file_line_without_a_tag_is_reported_and_whitespace_files_still_split_on_spaces(
    tmp_path: Path,
) -> None:
    tabbed = tmp_path / "tabbed.conll"
    tabbed.write_text("Rusia\tB-GPE\nes krim\n\n", encoding="utf-8")
    items = list(read_conll(tabbed))
    assert [str(i) for i in items if not isinstance(i, ReadDoc)] == [
        f"{tabbed}:2: no tag column after 'es krim': read as O"
    ]
    spaced = tmp_path / "spaced.conll"
    spaced.write_text("-DOCSTART- -X- -X- O\r\n\r\nRusia NNP B-NP B-GPE\r\n\r\n", encoding="utf-8")
    (doc,) = [i.doc for i in read_conll(spaced) if isinstance(i, ReadDoc)]
    assert (doc.text, [(s.text, s.label) for s in doc.spans]) == ("Rusia", [("Rusia", "GPE")])
