"""The one sanitiser (`store.textsafe`), and names and metadata stored normalised.

`visible` shows every control, bidi and invisible formatting character as a mark (one code
point for one with `cells=True`); every import and edit path stores titles, sources, urls,
entity names, descriptions, aliases, notes and reviewer names as article text is stored (NFC,
LF line ends, no C0/C1 controls), while bidi characters stay as they came.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path

import pytest
from rich.cells import get_character_cell_size
from sqlalchemy import Engine
from sqlmodel import Session, select

from store.corpus.articles import get_article
from store.facts.repository import get_fact, set_note
from store.gazetteer.entities import (
    add_alias,
    create_entity,
    get_entity,
    rename_entity,
    update_entity,
)
from store.gazetteer.files import import_gazetteer
from store.ingest.annotated import LoadOptions, import_annotated
from store.ingest.articles import import_articles
from store.models import AnnotationNote, Fact, Reviewer
from store.reviewers import ensure_reviewer
from store.textsafe import CELL_MARK, strip_unsafe, visible
from tests.hostile import FORBIDDEN

# Format characters (category Cf) that are drawn (they take the digits after them) or belong
# to one script's own shaping: left alone.
DRAWN_FORMAT = set(
    [*map(chr, range(0x600, 0x606)), "\u06dd", "\u070f", "\u0890", "\u0891", "\u08e2"]
    + ["\U000110bd", "\U000110cd", *map(chr, range(0x13430, 0x13440))]
    + [*map(chr, range(0x1BCA0, 0x1BCA4)), *map(chr, range(0x1D173, 0x1D17B))]
)
ALL = [chr(c) for c in range(sys.maxunicode + 1)]


def test_controls_become_pictures_and_bidi_becomes_a_mark() -> None:
    assert visible("a\x1b]52;c;aGk=\x07b") == "a␛]52;c;aGk=␇b"
    assert visible("\x1b[2J") == "␛[2J"
    assert visible("x\ry\x00z\x7f") == "x␍y␀z␡"
    assert visible("\x9b31m") == "\\u009b31m"
    assert visible("Rusia\u202eaisuR\u2066x\u2069") == "Rusia\\u202eaisuR\\u2066x\\u2069"
    assert visible("a\tb\nc") == "a\tb\nc"  # newline and tab are the caller's to lay out
    assert visible("\ud800") == "\\ud800"  # a lone surrogate cannot even be written
    assert visible("tag\U000e0041") == "tag\\U000e0041"
    plain = "Rusia dan Kazakhstan 👍🏽 Türkiye"
    assert visible(plain) is plain


def test_every_shown_code_point_is_one_cell_mark_and_nothing_else_changes() -> None:
    text = "".join(ALL[:0x3000]) + "".join(ALL[0xFE00:0x10000]) + "".join(ALL[0xE0000:0xE0080])
    one = visible(text, cells=True)
    assert len(one) == len(text)
    changed = {a for a, b in zip(text, one, strict=True) if a != b}
    assert "\u202e" in changed and "\x1b" in changed and "\u200b" in changed
    for char in text:
        shown = visible(char)
        assert FORBIDDEN.search(shown) is None, hex(ord(char))
        if char in changed:
            assert len(visible(char, cells=True)) == 1
            assert visible(char, cells=True) == CELL_MARK or 0x2400 <= ord(shown) <= 0x2421


def test_every_invisible_format_character_is_shown() -> None:
    """Whatever Unicode calls a format character is marked, but the few drawn ones."""
    for char in ALL:
        if unicodedata.category(char) == "Cf" and char not in DRAWN_FORMAT:
            assert visible(char) != char, hex(ord(char))
        elif char in DRAWN_FORMAT:
            assert visible(char) == char


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("👨\u200d👩\u200d👧", True),  # an emoji family
        ("❤️\u200d🔥", True),  # after a variation selector
        ("क्\u200dष", True),  # a Devanagari half form
        ("می\u200cخواهم", True),  # Persian, a non-joiner inside a word
        ("Ru\u200dsia", False),  # Latin: it only hides a difference between names
        ("Кир\u200cгизия", False),  # Cyrillic too
        ("\u200dRusia", False),  # at a word's edge
        ("👍\u200d ", False),
    ],
)
def test_joiners_are_kept_where_a_script_needs_them(text: str, kept: bool) -> None:
    assert (visible(text) == text) is kept
    assert (visible(text, cells=True) == text) is kept


def test_strip_unsafe_removes_only_zero_width_terminal_active_code_points() -> None:
    assert strip_unsafe("a\x1b[2Jb\u202ec\x9bd\re\x07") == "a[2Jbcde"
    kept = "␛ 👨\u200d👩 \u200b\t"
    assert strip_unsafe(kept) is kept
    removed = [c for c in ALL[:0x3000] if strip_unsafe(c) == "" and c not in "\ud800"]
    assert removed and all(get_character_cell_size(c) == 0 for c in removed)


HOSTILE_META = "Cafe\u0301\r\nbaris\x1b[2J \u202eRLO"  # decomposed é, CRLF, ESC, RLO
STORED_META = "Café\nbaris[2J \u202eRLO"  # NFC, LF, ESC removed, the bidi character kept


def test_article_metadata_is_normalised_at_import(
    engine: Engine, reviewer_id: int, tmp_path: Path
) -> None:
    path = tmp_path / "a.jsonl"
    record = {"id": "m1", "text": "Rusia dan Kazakhstan.", "source": HOSTILE_META}
    record |= {"url": HOSTILE_META, "title": HOSTILE_META}
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    assert import_articles(engine, [path], reviewer_id=reviewer_id).imported == 1
    from store.db import session_scope

    with session_scope(engine) as session:
        article = get_article(session=session, external_id="m1")
    assert article.source == STORED_META and article.url == STORED_META
    assert article.title == " ".join(STORED_META.split())  # a title is one line


@pytest.mark.usefixtures("schema_loaded")
def test_names_descriptions_aliases_are_normalised_on_every_edit(
    session: Session, reviewer_id: int
) -> None:
    create_entity(
        session=session,
        key="X",
        name=HOSTILE_META,
        type="GPE",
        aliases=[f"alias {HOSTILE_META}"],
        description=HOSTILE_META,
        reviewer_id=reviewer_id,
    )
    entity = get_entity(session=session, key="X")
    assert entity.name == STORED_META and entity.description == STORED_META
    assert {a.text for a in entity.aliases} == {STORED_META, f"alias {STORED_META}"}
    rename_entity(session=session, key="X", name=f"new {HOSTILE_META}", reviewer_id=reviewer_id)
    add_alias(session=session, key="X", text=f"more {HOSTILE_META}", reviewer_id=reviewer_id)
    update_entity(session=session, key="X", reviewer_id=reviewer_id, description=HOSTILE_META)
    entity = get_entity(session=session, key="X")
    assert entity.name == f"new {STORED_META}"
    assert {f"new {STORED_META}", f"more {STORED_META}"} <= {a.text for a in entity.aliases}
    assert all(FORBIDDEN.sub("", a.text) == a.text.replace("\u202e", "") for a in entity.aliases)


@pytest.mark.usefixtures("schema_loaded")
def test_a_gazetteer_file_is_stored_normalised_and_imports_again_unchanged(
    session: Session, reviewer_id: int, tmp_path: Path
) -> None:
    path = tmp_path / "g.jsonl"
    record = {"id": "X", "name": "Cafe\u0301 \x1b[2J", "type": "GPE"}
    record |= {"aliases": ["Kafe\u0301\x07"], "description": "line\r\nend\x9b"}
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    first = import_gazetteer(session=session, path=path, reviewer_id=reviewer_id)
    assert first.created == 1 and not first.problems
    entity = get_entity(session=session, key="X")
    assert entity.name == "Café [2J" and entity.description == "line\nend"
    assert {a.text for a in entity.aliases} == {"Café [2J", "Kafé"}
    again = import_gazetteer(session=session, path=path, reviewer_id=reviewer_id)
    assert again.unchanged == 1 and not again.problems, again.problems
    empty = tmp_path / "empty.jsonl"
    empty.write_text(json.dumps({"id": "Y", "name": "\x1b\x07", "type": "GPE"}) + "\n")
    report = import_gazetteer(session=session, path=empty, reviewer_id=reviewer_id)
    assert report.created == 0 and report.problems == [f"{empty}:1: the name is only controls"]


def test_reviewer_names_and_notes_are_normalised(
    engine: Engine, session: Session, reviewer_id: int, tmp_path: Path
) -> None:
    evil = ensure_reviewer(session=session, name="ana\x1b[2J\u202e")
    assert session.get(Reviewer, evil) is not None
    assert session.exec(select(Reviewer.name).where(Reviewer.id == evil)).one() == "ana[2J\u202e"
    from store.corpus.demo import prepare_demo

    prepare_demo(engine, reviewer_id=reviewer_id)
    line = {
        "id": "n1",
        "text": "Rusia dan Kazakhstan bertemu.",
        "spans": [
            {
                "start": 0,
                "end": 5,
                "label": "GPE",
                "reviewer": "budi\x1b]52;c;eA==\x07",
                "notes": [{"kind": "AnnotatorNotes", "text": "a\r\nb\x1b[2J"}],
            }
        ],
    }
    path = tmp_path / "n.jsonl"
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    report = import_annotated(engine, "jsonl", [path], LoadOptions(reviewer_id=reviewer_id))
    assert report.failed == 0, report.problems
    session.expire_all()
    names = set(session.exec(select(Reviewer.name)).all())
    assert "budi]52;c;eA==" in names
    assert session.exec(select(AnnotationNote.text)).all() == ["a\nb[2J"]
    fact = session.exec(select(Fact)).first()
    assert fact is not None and fact.id is not None
    set_note(session=session, fact_id=fact.id, note="n\x1b[2J\r\no", reviewer_id=reviewer_id)
    assert get_fact(session=session, fact_id=fact.id).note == "n[2J\no"
