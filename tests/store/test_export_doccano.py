"""doccano JSONL export: UTF-16 offsets by default, relations from two-role facts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from store.export.model import ExportFact
from store.formats.doccano import (
    codepoint_offsets,
    doccano_record,
    utf16_offsets,
    write_doccano,
)
from tests.store.export_helpers import example_doc, make_doc, run_writer


def test_the_running_example_has_entities_and_a_relation() -> None:
    record, skipped = doccano_record(example_doc())
    assert skipped == []
    assert record["entities"][0] == {"id": 0, "start_offset": 0, "end_offset": 5, "label": "GPE"}
    assert record["relations"] == [{"id": 0, "from_id": 0, "to_id": 2, "type": "ARMS_TRANSFER"}]
    assert record["id"] == "a1" and record["meta"]["title"] == "title a1"


def test_utf16_offsets_after_emoji_convert_back_to_the_same_spans() -> None:
    text = "😀 Rusia 👍🏽 memasok 🇷🇺 S-300 ke e\u0301 Kirgizstan 𝕏"
    spans = [(2, 7, "GPE"), (20, 25, "WEAPON"), (31, 41, "GPE"), (42, 43, "SYM")]
    doc = make_doc(text, spans)
    record, _ = doccano_record(doc)
    encoded = text.encode("utf-16-le")
    for entity, (start, end, _label) in zip(record["entities"], spans, strict=True):
        # What doccano's browser sees: the text as UTF-16 code units.
        units = encoded[2 * entity["start_offset"] : 2 * entity["end_offset"]]
        assert units.decode("utf-16-le") == text[start:end]
    assert record["entities"][0]["start_offset"] == 3  # one emoji: shifted by one
    back = codepoint_offsets(text)
    assert [(back[e["start_offset"]], back[e["end_offset"]]) for e in record["entities"]] == [
        (s, e) for s, e, _ in spans
    ]


def test_codepoint_offsets_on_request() -> None:
    text = "😀 Rusia"
    record, _ = doccano_record(make_doc(text, [(2, 7, "GPE")]), offsets="codepoint")
    assert (record["entities"][0]["start_offset"], record["entities"][0]["end_offset"]) == (2, 7)
    assert record["meta"]["offsets"] == "codepoint"
    with pytest.raises(ValueError):
        doccano_record(make_doc(text, []), offsets="bytes")


def test_utf16_table_matches_python_encoding() -> None:
    text = "a😀b𝕏c"
    table = utf16_offsets(text)
    for index in range(len(text) + 1):
        assert table[index] == len(text[:index].encode("utf-16-le")) // 2


def test_facts_that_are_not_two_role_relations_are_reported(tmp_path: Path) -> None:
    facts = [
        ExportFact(
            id=7,
            type="ARMS_TRANSFER",
            state="accepted",
            roles={"supplier": [1], "item": [2], "recipient": [3]},
        ),
        ExportFact(id=8, type="MEETING", state="accepted", roles={"participant": [1, 3]}),
    ]
    doc = make_doc(
        "Rusia S-300 Kirgizstan", [(0, 5, "GPE"), (6, 11, "WEAPON"), (12, 22, "GPE")], facts=facts
    )
    line, skipped = run_writer(write_doccano, [doc], tmp_path)
    assert [(s.kind, s.label, s.reason) for s in skipped] == [
        ("fact", "ARMS_TRANSFER", "a relation has two arguments; this fact has 3"),
        ("fact", "MEETING", "both arguments fill one role"),
    ]
    assert line.endswith("\n") and line.count("\n") == 1
    assert json.loads(line)["relations"] == []


def test_the_writer_takes_the_offsets_option(tmp_path: Path) -> None:
    doc = make_doc("😀 Rusia", [(2, 7, "GPE")])
    utf16 = json.loads(run_writer(write_doccano, [doc], tmp_path)[0])
    points = json.loads(run_writer(write_doccano, [doc], tmp_path, {"offsets": "codepoint"})[0])
    assert utf16["entities"][0]["start_offset"] == 3
    assert points["entities"][0]["start_offset"] == 2


def test_each_record_is_one_line_even_for_splitlines_readers(tmp_path: Path) -> None:
    text = "Rusia\u2028memasok\u2029S-300\u0085 ke Kirgizstan"
    doc = make_doc(text, [(0, 5, "GPE")])
    line, _ = run_writer(write_doccano, [doc], tmp_path)
    assert len(line.splitlines()) == 1
    assert json.loads(line)["text"] == text
