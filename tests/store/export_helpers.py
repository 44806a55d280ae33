"""Shared by the export/import tests: ExportDocs built by hand, and a strict IOB reader."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hypothesis import strategies as st

from store.export.model import (
    ExportContext,
    ExportDoc,
    ExportFact,
    ExportSpan,
    Skipped,
    Writer,
    tokenize,
)
from store.schema import Schema
from store.textnorm import normalise_text

EXAMPLE = "Rusia memasok sistem pertahanan udara S-300 ke Kirgizstan pada Februari 2021."


def make_doc(
    text: str,
    spans: Sequence[tuple[int, int, str]],
    *,
    doc_id: int = 1,
    external_id: str = "a1",
    keys: Sequence[str | None] = (),
    facts: Sequence[ExportFact] = (),
) -> ExportDoc:
    """A document whose spans are `(start, end, label)`, ids 1, 2, ... in the order given."""
    made = []
    for index, (start, end, label) in enumerate(spans):
        key = keys[index] if index < len(keys) else None
        made.append(
            ExportSpan(
                id=index + 1,
                start=start,
                end=end,
                text=text[start:end],
                label=label,
                entity_key=key,
                entity_name=key and f"name of {key}",
            )
        )
    return ExportDoc(
        id=doc_id,
        external_id=external_id,
        title=f"title {external_id}",
        text=text,
        spans=tuple(made),
        facts=tuple(facts),
    )


def example_doc() -> ExportDoc:
    """The running example of FORMATS.md with its four spans and a fact."""
    fact = ExportFact(
        id=1, type="ARMS_TRANSFER", state="accepted", roles={"supplier": [1], "recipient": [3]}
    )
    return make_doc(
        EXAMPLE,
        [(0, 5, "GPE"), (38, 43, "WEAPON"), (47, 57, "GPE"), (63, 76, "DATE")],
        keys=["RU", "S300", "KG", None],
        facts=[fact],
    )


def read_iob(text: str, *, scheme: str = "IOB2") -> list[list[tuple[str, int, int]]]:
    """Parse CoNLL text strictly, as a seqeval-style reader does: documents of
    `(label, first token, last token)` entities, token indices counted over the document.

    Raises AssertionError on anything a strict IOB2 (or IOB1) consumer would refuse.
    """
    documents: list[list[tuple[str, int, int]]] = []
    tokens: list[tuple[str, str]] = []
    previous_blank = True

    def close() -> None:
        if tokens or documents:
            documents.append(_entities(tokens, scheme))

    started = False
    for number, line in enumerate(text.split("\n")[:-1], 1):
        if line == "-DOCSTART- -X- -X- O":
            assert previous_blank, f"line {number}: -DOCSTART- not after a blank line"
            if started:
                close()
            started, tokens = True, []
            previous_blank = False
            continue
        if line == "":
            previous_blank = True
            tokens.append(("", ""))  # sentence boundary
            continue
        assert started, f"line {number}: a token before -DOCSTART-"
        columns = line.split(" ")
        assert len(columns) == 4 and all(columns), f"line {number}: not 4 columns: {line!r}"
        assert len(line.split()) == 4, f"line {number}: whitespace inside a column"
        tokens.append((columns[0], columns[3]))
        previous_blank = False
    assert text.endswith("\n\n") or text == "", "the file must end with a blank line"
    if started:
        close()
    return documents


def _entities(rows: list[tuple[str, str]], scheme: str) -> list[tuple[str, int, int]]:
    found: list[tuple[str, int, int]] = []
    current: list[object] | None = None
    index = -1
    for token, tag in rows:
        if token == "":
            current = None
            continue
        index += 1
        if tag == "O":
            current = None
            continue
        prefix, _, label = tag.partition("-")
        assert prefix in ("B", "I") and label, f"bad tag {tag!r}"
        continues = current is not None and current[0] == label
        if prefix == "I" and not continues:
            assert scheme == "IOB1", f"IOB2: {tag} does not continue an entity"
        if prefix == "B" or not continues:
            current = [label, index, index]
            found.append(tuple(current))  # type: ignore[arg-type]
        else:
            assert current is not None
            current[2] = index
            found[-1] = tuple(current)  # type: ignore[assignment]
    return found


def run_writer(
    write: Writer, docs: Sequence[ExportDoc], tmp_path: Path, options: dict[str, str] | None = None
) -> tuple[str, list[Skipped]]:
    """Run a format writer on `docs` into a file; its text and what it reported skipped."""
    skipped: list[Skipped] = []
    context = ExportContext(Schema(), dict(options or {}), skipped.append)
    path = tmp_path / f"out{len(list(tmp_path.glob('out*')))}"
    write(docs, path, context)
    return path.read_bytes().decode("utf-8"), skipped


# Random texts: letters, digits, punctuation, emoji (with skin tones and ZWJ), flags, combining
# marks, tabs, line breaks; stored texts are normalised, so these are too.
_PIECES = st.sampled_from(
    [
        "a",
        "b",
        "Z",
        "é",
        "e\u0301",
        "\u0301",
        "ß",
        "1",
        "2",
        ".",
        ",",
        "-",
        "'",
        "!",
        "?",
        " ",
        "  ",
        "\t",
        "\n",
        "\n\n",
        "😀",
        "👍🏽",
        "🇷🇺",
        "👩\u200d💻",
        "𝕏",
        "\ufe0f",
        "Rusia",
        "S-300",
        "Kompas.com",
        "dll.",
        "Dr.",
        "ke",
        "(",
        ")",
        "«",
        "»",
        "—",
        "x" * 150,
        "\u00a0",
        "\u2028",
        "\u200b",
        "\u3000",
        "-DOCSTART-",
        "B-GPE",
        "",
    ]
)


@st.composite
def documents(draw: st.DrawFn) -> ExportDoc:
    raw = "".join(draw(st.lists(_PIECES, min_size=1, max_size=60)))
    text = normalise_text(raw)[0]
    if not text.strip():
        text = "kosong " + text
    tokens = tokenize(text)
    if tokens and draw(st.booleans()):  # on telaah's token boundaries; else anywhere (cut)
        bounds = sorted({t.start for t in tokens} | {t.end for t in tokens})
        cuts = sorted(set(draw(st.lists(st.sampled_from(bounds), max_size=12))))
    else:
        cuts = sorted(set(draw(st.lists(st.integers(0, len(text)), max_size=12))))
    spans = []
    for start, end in zip(cuts[0::2], cuts[1::2], strict=False):
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            label = draw(st.sampled_from(["GPE", "WEAPON", "PERSON"]))
            spans.append(
                ExportSpan(
                    id=len(spans),
                    start=start,
                    end=end,
                    text=text[start:end],
                    label=label,
                    origin="import",
                )
            )
    return ExportDoc(id=1, external_id="doc-1", title="t", text=text, spans=tuple(spans))
