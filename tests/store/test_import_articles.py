"""Corpus import (store.ingest.articles.import_articles) on real SQLite files.

Every test checks both what ended up in the database and what the report says: the problem
lines name the file (and the line or record), the summary counts, the notes.
"""

from __future__ import annotations

import csv
import functools
import json
import tempfile
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlmodel import col, select

from store.audit import list_audit
from store.db import open_database, session_scope
from store.ingest.articles import ImportReport, import_articles
from store.ingest.sink import ImportHooks
from store.models import Article
from store.textnorm import TITLE_MAX, normalise_text

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


# --- helpers -------------------------------------------------------------------------------


def run(
    engine: Engine, *paths: Path, reviewer_id: int | None = None, encoding: str | None = None
) -> ImportReport:
    """Import `paths`, collecting the hooks' calls on the report for comparison."""
    seen: dict[str, list[str]] = {"problems": [], "notes": []}
    hooks = ImportHooks(on_problem=seen["problems"].append, on_note=seen["notes"].append)
    report = import_articles(
        engine, list(paths), reviewer_id=reviewer_id, encoding=encoding, hooks=hooks
    )
    # What an interface is told as it happens is exactly what the report holds.
    assert seen["problems"] == report.problems
    assert seen["notes"] == report.notes
    assert report.failed == len(report.problems)
    return report


def articles(engine: Engine) -> list[Article]:
    """Every stored article, in insertion order, read in a fresh session."""
    with session_scope(engine) as session:
        return list(session.exec(select(Article).order_by(col(Article.id))).all())


def by_id(engine: Engine) -> dict[str, Article]:
    return {a.external_id: a for a in articles(engine)}


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_bytes(data.encode("utf-8"))
    else:
        path.write_bytes(data)
    return path


def jsonl(path: Path, *objects: Any) -> Path:
    """Write one line per object: dicts and lists as JSON, strings verbatim."""
    lines = [o if isinstance(o, str) else json.dumps(o) for o in objects]
    return write(path, "\n".join(lines) + "\n")


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def summary(imported: int, duplicates: int, failed: int) -> str:
    return f"imported {imported}, duplicates {duplicates}, failed {failed}"


# --- .txt ----------------------------------------------------------------------------------


def test_txt_file_title_id_and_text(engine: Engine, tmp_path: Path) -> None:
    path = write(
        tmp_path / "kontan-01.txt", "\n  \n  Rusia memasok S-300 ke Kirgizstan  \n\nIsi berita.\n"
    )
    report = run(engine, path)
    assert report.summary == summary(1, 0, 0)
    assert report.problems == [] and report.notes == []
    (article,) = articles(engine)
    assert article.external_id == "kontan-01"
    assert article.title == "Rusia memasok S-300 ke Kirgizstan"
    assert article.text == "\n  \n  Rusia memasok S-300 ke Kirgizstan  \n\nIsi berita.\n"
    assert article.status == "todo"
    assert article.source is None and article.published is None and article.meta == {}
    assert len(article.sha256) == 64


def test_txt_title_is_shortened_to_200_characters(engine: Engine, tmp_path: Path) -> None:
    long_line = "x" * 300
    run(engine, write(tmp_path / "long.txt", long_line + "\nbody\n"))
    (article,) = articles(engine)
    assert len(article.title) == TITLE_MAX == 200
    assert article.title == "x" * 199 + "…"
    assert article.text == long_line + "\nbody\n"


def test_sample_corpus_folder_imports_all_five(engine: Engine, reviewer_id: int) -> None:
    from store.corpus.demo import sample_corpus_dir

    folder = sample_corpus_dir() / "articles"
    report = run(engine, folder, reviewer_id=reviewer_id)
    assert report.summary == summary(5, 0, 0)
    stored = articles(engine)
    files = sorted(folder.glob("*.txt"))
    assert [a.external_id for a in stored] == [f.stem for f in files]
    for article, file in zip(stored, files, strict=True):
        assert article.text == normalise_text(file.read_text(encoding="utf-8-sig"))[0]
        assert article.title and "\n" not in article.title


def test_folder_is_read_recursively_in_sorted_order(engine: Engine, tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    write(root / "z.txt", "zeta")
    write(root / "b" / "two.txt", "two")
    write(root / "a" / "one.txt", "one")
    jsonl(root / "c.jsonl", {"id": "c1", "text": "cee one"}, {"id": "c2", "text": "cee two"})
    write_csv(root / "sub" / "deeper" / "d.csv", ["id", "text"], [["d1", "dee"]])
    write(root / "README.md", "not an article")  # other files in a folder are not articles
    report = run(engine, root)
    assert report.summary == summary(6, 0, 0)
    assert report.problems == []
    assert [a.external_id for a in articles(engine)] == ["one", "two", "c1", "c2", "d1", "z"]


def test_empty_folder_is_reported(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    report = run(engine, tmp_path / "empty")
    assert report.summary == summary(0, 0, 1)
    assert report.problems == [
        f"{tmp_path / 'empty'}: no .txt, .jsonl or .csv files in this folder"
    ]
    assert articles(engine) == []


# --- .jsonl and .csv -----------------------------------------------------------------------


def test_jsonl_all_fields_and_defaults(engine: Engine, tmp_path: Path) -> None:
    path = jsonl(
        tmp_path / "feed.jsonl",
        {
            "id": "a1",
            "title": "  Judul  ",
            "source": "kontan.co.id",
            "url": "https://k.id/1",
            "published": "2021-02-15",
            "meta": {"lang": "id", "tags": ["s-300"]},
            "text": "Rusia memasok S-300.",
        },
        "",  # a blank line is skipped but still counts as a line
        {"text": "Baris pertama\nbaris kedua"},
        {
            "id": 42,
            "text": "numeric id",
            "published": "2021-03-01T10:20:30+07:00",
            "meta": '{"k": 1}',
        },
    )
    report = run(engine, path)
    assert report.summary == summary(3, 0, 0)
    assert report.problems == []
    stored = by_id(engine)
    assert list(stored) == ["a1", "feed-3", "42"]
    a1 = stored["a1"]
    assert (a1.title, a1.source, a1.url, a1.published, a1.meta, a1.text) == (
        "Judul",
        "kontan.co.id",
        "https://k.id/1",
        date(2021, 2, 15),
        {"lang": "id", "tags": ["s-300"]},
        "Rusia memasok S-300.",
    )
    default = stored["feed-3"]
    assert default.title == "Baris pertama"
    assert default.source is None and default.url is None and default.published is None
    assert default.meta == {}
    assert stored["42"].published == date(2021, 3, 1)
    assert stored["42"].meta == {"k": 1}


def test_csv_text_column_and_optional_columns(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "feed.csv",
        ["id", "title", "source", "url", "published", "meta", "text"],
        [
            [
                "c1",
                "Judul CSV",
                "tass",
                "https://t/1",
                "2021-08-26",
                '{"lang": "id"}',
                "Baris satu\r\nbaris dua, dengan koma",
            ],
            ["", "", "", "", "", "", "Tanpa id\njudul dari teks"],
        ],
    )
    report = run(engine, path)
    assert report.summary == summary(2, 0, 0)
    stored = by_id(engine)
    assert list(stored) == ["c1", "feed-4"]  # the second record starts on line 4
    c1 = stored["c1"]
    assert (c1.title, c1.source, c1.url, c1.published, c1.meta) == (
        "Judul CSV",
        "tass",
        "https://t/1",
        date(2021, 8, 26),
        {"lang": "id"},
    )
    assert c1.text == "Baris satu\nbaris dua, dengan koma"
    assert stored["feed-4"].title == "Tanpa id"


def test_given_title_is_normalised_like_the_text(engine: Engine, tmp_path: Path) -> None:
    path = jsonl(
        tmp_path / "t.jsonl",
        {"id": "a", "title": " Cafe\u0301\x00 di\r\nMoskwa ", "text": "body"},
        {"id": "b", "title": "\x00 \r\n", "text": "\n\nFirst line\nsecond"},
        {"id": "c", "title": "y" * 250, "text": "short"},
    )
    report = run(engine, path)
    assert report.summary == summary(3, 0, 0)
    stored = by_id(engine)
    assert stored["a"].title == "Café di Moskwa"
    assert stored["b"].title == "First line"  # an empty given title falls back to the text
    assert stored["c"].title == "y" * 199 + "…"


def test_csv_line_numbers_count_blank_lines(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path / "gaps.csv", 'id,text,published\n\nok,"fine",\n\n\nbad,text,nope\n')
    report = run(engine, path)
    assert report.summary == summary(1, 0, 1)
    assert report.problems == [f"{path}:6: `published` 'nope' is not a date (YYYY-MM-DD)"]
    assert list(by_id(engine)) == ["ok"]


# --- normalisation -------------------------------------------------------------------------


def test_utf8_bom_is_stripped(engine: Engine, tmp_path: Path) -> None:
    bom = b"\xef\xbb\xbf"
    txt = write(tmp_path / "bom.txt", bom + b"Judul\nisi")
    lines = write(tmp_path / "bom.jsonl", bom + b'{"id": "j", "text": "dari jsonl"}\n')
    table = write(tmp_path / "bom.csv", bom + b"text,id\ndari csv,c\n")
    report = run(engine, txt, lines, table)
    assert report.summary == summary(3, 0, 0)
    assert report.problems == []
    stored = by_id(engine)
    assert stored["bom"].text == "Judul\nisi"
    assert stored["bom"].title == "Judul"
    assert stored["j"].text == "dari jsonl"
    assert stored["c"].text == "dari csv"  # the header's first column is `text`, not BOM+text
    assert not any(a.text.startswith("\ufeff") for a in stored.values())


def test_bom_is_stripped_whatever_the_decoding(engine: Engine, tmp_path: Path) -> None:
    # With an explicit `utf-8` (not utf-8-sig) the BOM survives decoding; normalisation drops it.
    txt = write(tmp_path / "bom.txt", b"\xef\xbb\xbfJudul\nisi")
    lines = jsonl(tmp_path / "escaped.jsonl", {"id": "j", "text": "\ufeffdari jsonl"})
    report = run(engine, txt, lines, encoding="utf-8")
    assert report.summary == summary(2, 0, 0)
    stored = by_id(engine)
    assert stored["bom"].text == "Judul\nisi"
    assert stored["bom"].title == "Judul"
    assert stored["j"].text == "dari jsonl"


def test_crlf_and_lone_cr_become_lf(engine: Engine, tmp_path: Path) -> None:
    run(engine, write(tmp_path / "crlf.txt", b"satu\r\ndua\rtiga\r\n\r\nempat\r"))
    (article,) = articles(engine)
    assert article.text == "satu\ndua\ntiga\n\nempat\n"
    assert "\r" not in article.text


def test_control_characters_are_removed_counted_and_noted(engine: Engine, tmp_path: Path) -> None:
    raw = "Ju\x00dul\x07\nbo\x0bdy\tkolom\x7f akhir\x85\x1b."
    path = write(tmp_path / "ctl.txt", raw)
    clean = write(tmp_path / "clean.txt", "no controls\there\n")
    report = run(engine, path, clean)
    assert report.summary == summary(2, 0, 0)
    assert report.controls_removed == 6
    assert report.notes == [f"{path}: removed 6 control characters"]
    stored = by_id(engine)
    assert stored["ctl"].text == "Judul\nbody\tkolom akhir."
    assert stored["clean"].text == "no controls\there\n"


def test_control_characters_in_jsonl_name_the_line(engine: Engine, tmp_path: Path) -> None:
    path = jsonl(tmp_path / "c.jsonl", {"id": "a", "text": "ok"}, {"id": "b", "text": "n\u0000ul"})
    report = run(engine, path)
    assert report.controls_removed == 1
    assert report.notes == [f"{path}:2: removed 1 control characters"]
    assert by_id(engine)["b"].text == "nul"


def test_text_is_stored_nfc(engine: Engine, tmp_path: Path) -> None:
    decomposed = "Caf" + "e\u0301 di Bis\u030ckek, \u212b"
    assert not unicodedata.is_normalized("NFC", decomposed)
    run(engine, write(tmp_path / "nfc.txt", decomposed))
    (article,) = articles(engine)
    assert article.text == "Café di Biškek, Å"
    assert article.text == unicodedata.normalize("NFC", decomposed)
    assert len(article.text) == 17


def test_astral_characters_keep_code_point_offsets(engine: Engine, tmp_path: Path) -> None:
    raw = (
        "Komentar 👍🏽👍🏽 dari pembaca 𝔘𝔫𝔦: Rusia memasok S-300 ke Kirgizstan 🇰🇬.\r\n"
        "e\u0301 😀 Kazakhstan"
    )
    run(engine, write(tmp_path / "emoji.txt", raw))
    (article,) = articles(engine)
    expected = unicodedata.normalize("NFC", raw.replace("\r\n", "\n"))
    assert article.text == expected
    # Code point offsets are those of the normalised input, astral characters count as one.
    start = expected.index("Kirgizstan")
    assert article.text[start : start + 10] == "Kirgizstan"
    assert start == len("Komentar 👍🏽👍🏽 dari pembaca 𝔘𝔫𝔦: Rusia memasok S-300 ke ")
    assert article.text[-10:] == "Kazakhstan"


# --- bad input -----------------------------------------------------------------------------


def test_non_utf8_file_fails_naming_the_byte_offset(engine: Engine, tmp_path: Path) -> None:
    bad = write(tmp_path / "latin.txt", "Caf\u00e9 Moskwa".encode("cp1252"))
    good = write(tmp_path / "good.txt", "good article")
    report = run(engine, bad, good)
    assert report.summary == summary(1, 0, 1)
    assert report.problems == [
        f"{bad}: not valid UTF-8: byte 0xe9 at offset 3 "
        "(pass --encoding to name the file's encoding)"
    ]
    assert list(by_id(engine)) == ["good"]

    again = run(engine, bad, encoding="cp1252")
    assert again.summary == summary(1, 0, 0)
    assert by_id(engine)["latin"].text == "Café Moskwa"


def test_non_utf8_offset_counts_the_bom(engine: Engine, tmp_path: Path) -> None:
    bad = write(tmp_path / "bom-latin.txt", b"\xef\xbb\xbfabc\xffdef")
    report = run(engine, bad)
    assert report.problems == [
        f"{bad}: not valid UTF-8: byte 0xff at offset 6 "
        "(pass --encoding to name the file's encoding)"
    ]
    assert articles(engine) == []


def test_non_utf8_jsonl_line_names_line_and_file_offset(engine: Engine, tmp_path: Path) -> None:
    first = b'{"id": "a", "text": "fine"}\n'
    path = write(
        tmp_path / "mixed.jsonl",
        first + b'{"id": "b", "text": "caf\xe9"}\n' + b'{"id": "c", "text": "also"}\n',
    )
    report = run(engine, path)
    assert report.summary == summary(2, 0, 1)
    offset = len(first) + len(b'{"id": "b", "text": "caf')
    assert report.problems == [
        f"{path}:2: not valid UTF-8: byte 0xe9 at offset {offset} "
        "(pass --encoding to name the file's encoding)"
    ]
    assert list(by_id(engine)) == ["a", "c"]


def test_non_utf8_csv_fails_naming_the_byte_offset(engine: Engine, tmp_path: Path) -> None:
    before = b"id,text\nx,caf"
    path = write(tmp_path / "latin.csv", before + b"\xe9\n")
    report = run(engine, path)
    assert report.summary == summary(0, 0, 1)
    assert report.problems == [
        f"{path}: not valid UTF-8: byte 0xe9 at offset {len(before)} "
        "(pass --encoding to name the file's encoding)"
    ]
    assert articles(engine) == []
    assert run(engine, path, encoding="latin-1").summary == summary(1, 0, 0)
    assert by_id(engine)["x"].text == "café"


def test_unknown_encoding_is_a_problem_not_a_crash(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", "text")
    report = run(engine, path, encoding="no-such-codec")
    assert report.summary == summary(0, 0, 1)
    assert report.problems == [f"{path}: unknown encoding 'no-such-codec'"]
    assert articles(engine) == []


def test_empty_file_fails(engine: Engine, tmp_path: Path) -> None:
    empty = write(tmp_path / "empty.txt", b"")
    good = write(tmp_path / "good.txt", "good")
    report = run(engine, empty, good)
    assert report.summary == summary(1, 0, 1)
    assert report.problems == [f"{empty}: empty text"]
    assert list(by_id(engine)) == ["good"]


def test_whitespace_only_file_fails(engine: Engine, tmp_path: Path) -> None:
    blank = write(tmp_path / "blank.txt", " \n\t\r\n \u00a0\u3000\n")
    good = write(tmp_path / "good.txt", "good")
    report = run(engine, blank, good)
    assert report.summary == summary(1, 0, 1)
    assert report.problems == [f"{blank}: empty text"]
    assert list(by_id(engine)) == ["good"]


def test_file_of_control_characters_only_fails(engine: Engine, tmp_path: Path) -> None:
    nul = write(tmp_path / "nul.txt", b"\x00\x00\x01\x02")
    report = run(engine, nul)
    assert report.summary == summary(0, 0, 1)
    assert report.problems == [f"{nul}: empty text"]
    assert articles(engine) == []


def test_empty_jsonl_and_csv_files_are_reported(engine: Engine, tmp_path: Path) -> None:
    empty_jsonl = write(tmp_path / "empty.jsonl", b"\n\n")
    header_only = write(tmp_path / "header.csv", "id,text\n")
    empty_csv = write(tmp_path / "nothing.csv", b"")
    good = write(tmp_path / "good.txt", "good")
    report = run(engine, empty_jsonl, header_only, empty_csv, good)
    assert report.summary == summary(1, 0, 3)
    assert report.problems == [
        f"{empty_jsonl}: no articles in this file",
        f"{header_only}: no articles in this file",
        f"{empty_csv}:1: no `text` column in the header",
    ]
    assert list(by_id(engine)) == ["good"]


def test_empty_text_in_jsonl_and_csv_names_the_record(engine: Engine, tmp_path: Path) -> None:
    lines = jsonl(tmp_path / "e.jsonl", {"id": "a", "text": "ok"}, {"id": "b", "text": "  \n"})
    table = write_csv(tmp_path / "e.csv", ["id", "text"], [["c", ""], ["d", "ok too"]])
    report = run(engine, lines, table)
    assert report.summary == summary(2, 0, 2)
    assert report.problems == [f"{lines}:2: empty text", f"{table}:2: empty text"]
    assert list(by_id(engine)) == ["a", "d"]


def test_binary_file_fails(engine: Engine, tmp_path: Path) -> None:
    png = write(tmp_path / "image.txt", PNG)
    good = write(tmp_path / "good.txt", "good")
    report = run(engine, png, good)
    assert report.summary == summary(1, 0, 1)
    assert report.problems == [
        f"{png}: not valid UTF-8: byte 0x89 at offset 0 "
        "(pass --encoding to name the file's encoding)"
    ]
    assert list(by_id(engine)) == ["good"]


def test_duplicate_text_is_skipped_counted_and_noted(engine: Engine, tmp_path: Path) -> None:
    first = write(tmp_path / "a.txt", "Rusia memasok S-300\nke Kirgizstan.")
    # The same text once normalised: CRLF and a BOM do not make it another article.
    second = write(tmp_path / "b.txt", b"\xef\xbb\xbfRusia memasok S-300\r\nke Kirgizstan.")
    third = jsonl(
        tmp_path / "c.jsonl",
        {"id": "other", "text": "Rusia memasok S-300\nke Kirgizstan."},
        {"id": "new", "text": "Something else"},
    )
    report = run(engine, first, second, third)
    assert report.summary == summary(2, 2, 0)
    assert report.problems == []
    assert report.notes == [
        f"{second}: duplicate of article 'a', skipped",
        f"{third}:1: duplicate of article 'a', skipped",
    ]
    assert list(by_id(engine)) == ["a", "new"]


def test_same_id_with_different_text_fails(engine: Engine, tmp_path: Path) -> None:
    path = jsonl(
        tmp_path / "ids.jsonl",
        {"id": "x", "text": "first text"},
        {"id": "x", "text": "second text"},
        {"id": "y", "text": "third"},
    )
    report = run(engine, path)
    assert report.summary == summary(2, 0, 1)
    assert report.problems == [f"{path}:2: id 'x' is already used by another article"]
    stored = by_id(engine)
    assert stored["x"].text == "first text"
    assert list(stored) == ["x", "y"]
    # And against what is already in the database, from another file.
    other = write(tmp_path / "x.txt", "yet another text")
    again = run(engine, other)
    assert again.summary == summary(0, 0, 1)
    assert again.problems == [f"{other}: id 'x' is already used by another article"]
    assert by_id(engine)["x"].text == "first text"


def test_ten_megabyte_single_line_file(engine: Engine, tmp_path: Path) -> None:
    text = ("kata " * 2_000_000)[:-1] + "!"
    assert len(text) == 10_000_000 and "\n" not in text
    big = write(tmp_path / "big.txt", text)
    report = run(engine, big)
    assert report.summary == summary(1, 0, 0)
    (article,) = articles(engine)
    assert len(article.text) == 10_000_000
    assert article.text == text
    assert len(article.title) == 200 and article.title.endswith("…")


def test_malformed_jsonl_line_others_in_the_file_imported(engine: Engine, tmp_path: Path) -> None:
    path = jsonl(
        tmp_path / "feed.jsonl",
        {"id": "a", "text": "one"},
        '{"id": "b", "text": "two"',
        {"id": "c", "text": "three"},
        "not json at all",
        {"id": "d", "text": "four"},
    )
    report = run(engine, path)
    assert report.summary == summary(3, 0, 2)
    assert len(report.problems) == 2
    assert report.problems[0].startswith(f"{path}:2: malformed JSON: ")
    assert report.problems[1].startswith(f"{path}:4: malformed JSON: ")
    assert all("\n" not in p for p in report.problems)
    assert list(by_id(engine)) == ["a", "c", "d"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("[1, 2]", "expected a JSON object with a `text` field"),
        ('"just a string"', "expected a JSON object with a `text` field"),
        ('{"text": 5}', "`text` is not a string (int)"),
        ('{"text": ["a"]}', "`text` is not a string (list)"),
        ('{"text": null}', "`text` is missing"),
        ('{"title": "no text"}', "`text` is missing"),
        ('{"text": "t", "id": {"x": 1}}', "`id` must be a string, not dict"),
        ('{"text": "t", "meta": [1]}', "`meta` must be an object"),
    ],
)
def test_jsonl_record_that_is_not_an_article(
    engine: Engine, tmp_path: Path, line: str, message: str
) -> None:
    path = jsonl(
        tmp_path / "bad.jsonl", {"id": "a", "text": "one"}, line, {"id": "c", "text": "three"}
    )
    report = run(engine, path)
    assert report.summary == summary(2, 0, 1)
    assert report.problems == [f"{path}:2: {message}"]
    assert list(by_id(engine)) == ["a", "c"]


def test_csv_without_text_column(engine: Engine, tmp_path: Path) -> None:
    bad = write_csv(tmp_path / "notext.csv", ["id", "body"], [["a", "text here"]])
    good = write_csv(tmp_path / "good.csv", ["text"], [["a good article"]])
    report = run(engine, bad, good)
    assert report.summary == summary(1, 0, 1)
    assert report.problems == [f"{bad}:1: no `text` column in the header"]
    assert [a.text for a in articles(engine)] == ["a good article"]


def test_csv_row_with_too_many_fields(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path / "wide.csv", "id,text\na,one\nb,two,extra\nc,three\n")
    report = run(engine, path)
    assert report.summary == summary(2, 0, 1)
    assert report.problems == [f"{path}:3: more fields than the header has"]
    assert list(by_id(engine)) == ["a", "c"]


@pytest.mark.parametrize("value", ["15/02/2021", "kemarin", "2021-02-30", "2021-02-15garbage"])
def test_bad_published_date(engine: Engine, tmp_path: Path, value: str) -> None:
    lines = jsonl(
        tmp_path / "d.jsonl",
        {"id": "a", "text": "one", "published": "2021-02-15"},
        {"id": "b", "text": "two", "published": value},
    )
    table = write_csv(
        tmp_path / "d.csv", ["id", "text", "published"], [["c", "three", value], ["d", "four", ""]]
    )
    report = run(engine, lines, table)
    assert report.summary == summary(2, 0, 2)
    message = f"`published` {value!r} is not a date (YYYY-MM-DD)"
    assert report.problems == [f"{lines}:2: {message}", f"{table}:2: {message}"]
    stored = by_id(engine)
    assert list(stored) == ["a", "d"]
    assert stored["a"].published == date(2021, 2, 15)
    assert stored["d"].published is None


def test_unknown_suffix_is_reported(engine: Engine, tmp_path: Path) -> None:
    odd = write(tmp_path / "notes.md", "# an article?")
    good = write(tmp_path / "good.txt", "good")
    report = run(engine, odd, good)
    assert report.summary == summary(1, 0, 1)
    assert report.problems == [f"{odd}: unknown file type (expected .txt, .jsonl or .csv)"]
    assert list(by_id(engine)) == ["good"]


def test_upper_case_suffix_is_read_in_folders_too(engine: Engine, tmp_path: Path) -> None:
    write(tmp_path / "corpus" / "SHOUT.TXT", "upper-case suffix")
    report = run(engine, tmp_path / "corpus")
    assert report.summary == summary(1, 0, 0)
    assert list(by_id(engine)) == ["SHOUT"]


def test_missing_path_is_reported(engine: Engine, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "a.txt"
    good = write(tmp_path / "good.txt", "good")
    report = run(engine, missing, good)
    assert report.summary == summary(1, 0, 1)
    assert report.problems == [f"{missing}: no such file or folder"]
    assert list(by_id(engine)) == ["good"]


def test_reimporting_a_folder_imports_nothing(engine: Engine, tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    write(root / "a.txt", "alpha")
    write(root / "b.txt", "beta")
    jsonl(root / "c.jsonl", {"id": "c", "text": "gamma"})
    first = run(engine, root)
    assert first.summary == summary(3, 0, 0)
    before = [(a.id, a.external_id, a.text, a.sha256, a.created_at) for a in articles(engine)]
    second = run(engine, root)
    assert second.summary == summary(0, 3, 0)
    assert second.imported == 0 and second.duplicates == 3
    # One line for the three texts stored before, naming the first.
    assert second.notes == [
        f"{root / 'a.txt'}: duplicate of article 'a', skipped "
        "(the first of 3 stored before this import, all skipped)"
    ]
    after = [(a.id, a.external_id, a.text, a.sha256, a.created_at) for a in articles(engine)]
    assert after == before


def test_audit_entry_is_written(engine: Engine, reviewer_id: int, tmp_path: Path) -> None:
    a = write(tmp_path / "a.txt", "alpha")
    b = write(tmp_path / "b.txt", "")
    report = run(engine, a, b, reviewer_id=reviewer_id)
    assert report.summary == summary(1, 0, 1)
    with session_scope(engine) as session:
        (entry,) = list_audit(session=session, action="articles.import")
    assert entry.reviewer == "tester"
    assert entry.after["files"] == [str(a), str(b)]
    assert (entry.after["imported"], entry.after["duplicates"], entry.after["failed"]) == (1, 0, 1)
    (stored,) = articles(engine)
    assert entry.after["ids"] == [[stored.id, stored.id]]


def test_many_articles_cross_batches(engine: Engine, tmp_path: Path) -> None:
    path = jsonl(
        tmp_path / "many.jsonl",
        *({"id": f"n{i}", "text": f"article number {i}"} for i in range(2500)),
        {"id": "n7", "text": "article number 7"},
    )
    report = run(engine, path)
    assert report.summary == summary(2500, 1, 0)
    stored = articles(engine)
    assert len(stored) == 2500
    assert [a.external_id for a in stored[:3]] == ["n0", "n1", "n2"]
    assert stored[-1].text == "article number 2499"


# --- property ------------------------------------------------------------------------------

_CONTROL_OK = {"\n", "\t"}


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) == "Cc" and ch not in _CONTROL_OK


@functools.cache
def _migrated_database() -> bytes:
    """An empty database file at this version's schema (migrated once, copied per example)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "template.db"
        open_database(f"sqlite:///{path}").dispose()  # (the last close checkpoints the WAL)
        return path.read_bytes()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_stored_text_is_normalised_text(text: str) -> None:
    expected, _removed = normalise_text(text)
    if not expected.strip():
        return  # empty after normalisation: refused, tested above
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "p.db").write_bytes(_migrated_database())
        engine = open_database(f"sqlite:///{root / 'p.db'}")
        try:
            # JSON escapes every character, so the importer sees exactly `text`.
            path = root / "p.jsonl"
            path.write_text(json.dumps({"id": "p", "text": text}) + "\n", encoding="utf-8")
            report = import_articles(engine, [path], reviewer_id=None)
            assert report.summary == summary(1, 0, 0), report.problems
            (article,) = articles(engine)
        finally:
            engine.dispose()
    assert article.text == expected
    assert unicodedata.is_normalized("NFC", article.text)
    assert "\r" not in article.text
    assert not any(_is_control(ch) for ch in article.text)
