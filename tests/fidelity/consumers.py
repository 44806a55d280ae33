"""Each export read the way its consumer reads it, into `Held` documents.

- JSONL: `json`, and the token indices checked with spaCy: a `Doc` built from the line's own
  tokens, `Doc.char_span(start, end, alignment_mode="strict")` must give exactly the tokens
  `token_start`..`token_end`.
- brat: a plain parse of the `.ann` lines against the `.txt` (every `T` text must be the slice
  of the `.txt`), and telaah's own brat reader.
- CoNLL: the tag column through seqeval (`get_entities`, and the strict IOB2 `Entities`, which
  must agree: any tag sequence that is not valid IOB2 shows), the tokens found in the article
  text in order (only whitespace between them).
- doccano: `json`, offsets converted from UTF-16 code units (or code points, as `meta.offsets`
  says) by counting UTF-16 units, not with telaah's table.
- spaCy: `DocBin` loaded with spaCy; every span must also be `char_span(..., "strict")`.
- facts CSV: `csv`.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from store.formats.brat import read_brat
from store.formats.reading import ReadDoc
from tests.fidelity.held import Filler, Held, RoleOrder, fact_key


@cache
def _vocab() -> Any:
    import spacy

    return spacy.blank("xx").vocab


def jsonl(path: Path, order: RoleOrder) -> list[Held]:
    """A telaah JSONL export; every span's token indices checked with spaCy."""
    from spacy.tokens import Doc

    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        text = record["text"]
        held = Held(str(record["id"]), text)
        words, spaces, index = _spacy_words(text, record["tokens"])
        doc = Doc(_vocab(), words=words, spaces=spaces)
        assert doc.text == text, f"{held.external_id}: the tokens do not rebuild the text"
        for span in record["spans"]:
            start, end = span["start"], span["end"]
            assert text[start:end] == span["text"], span
            made = doc.char_span(start, end, alignment_mode="strict")
            assert made is not None, f"{held.external_id}: {span} is not on token boundaries"
            tokens = (index[span["token_start"]], index[span["token_end"]])
            assert (made.start, made.end - 1) == tokens, f"{held.external_id}: {span} tokens"
            held.add_span(start, end, span["label"], span.get("kb_id"))
        spans = record["spans"]
        for fact in record["facts"]:
            roles = [
                (role, (spans[i]["start"], spans[i]["end"]))
                for role, ids in fact["roles"].items()
                for i in ids
            ]
            held.facts[fact_key(fact["type"], roles, order)] += 1
        found.append(held)
    return found


def _spacy_words(
    text: str, tokens: list[dict[str, Any]]
) -> tuple[list[str], list[bool], dict[int, int]]:
    """spaCy words and spaces for `text` from JSONL tokens (the whitespace between them that
    is not one trailing space becomes a whitespace token, as spaCy's tokenizer makes it), and
    each JSONL token's index in that `Doc`."""
    words: list[str] = []
    spaces: list[bool] = []
    index: dict[int, int] = {}
    position = 0
    for number, token in enumerate(tokens):
        start, end = token["start"], token["end"]
        assert text[start:end] == token["text"] and start >= position, token
        gap = text[position:start]
        assert not gap.strip(), f"text {gap!r} between tokens"
        if gap and words and not spaces[-1] and gap[0] == " ":
            spaces[-1], gap = True, gap[1:]
        if gap:
            words.append(gap)
            spaces.append(False)
        index[number] = len(words)
        words.append(token["text"])
        spaces.append(False)
        position = end
    tail = text[position:]
    if tail and words and tail[0] == " ":
        spaces[-1], tail = True, tail[1:]
    if tail:
        words.append(tail)
        spaces.append(False)
    return words, spaces, index


_ROLE_NUMBER = re.compile(r"^(.*?)(\d+)$")


def brat_plain(folder: Path, order: RoleOrder) -> list[Held]:
    """Every `.ann`/`.txt` pair of a brat folder, parsed line by line; documents are named by
    their text (the caller matches them to articles)."""
    found = []
    for ann in sorted(folder.glob("*.ann")):
        text = ann.with_suffix(".txt").read_text(encoding="utf-8")
        held = Held(ann.stem, text)
        spans: dict[str, tuple[int, int, str]] = {}
        links: dict[str, str] = {}
        facts: list[tuple[str, list[tuple[str, str]], bool]] = []
        triggers: set[str] = set()
        for line in ann.read_text(encoding="utf-8").split("\n"):
            if not line:
                continue
            ident, middle, *rest = line.split("\t")
            fields = middle.split(" ")
            if ident.startswith("T"):
                label, start, end = fields[0], int(fields[1]), int(fields[2])
                assert text[start:end] == rest[0], f"{ann.name}: {line!r} is not its .txt slice"
                spans[ident] = (start, end, label)
            elif ident.startswith("N"):
                database, _, key = fields[2].partition(":")
                links[fields[1]] = key if database == "telaah" else fields[2]
            elif ident.startswith("R"):
                args = [tuple(arg.split(":", 1)) for arg in fields[1:] if arg]
                facts.append((fields[0], [(r, t) for r, t in args], True))
            elif ident.startswith("E"):
                kind, trigger = fields[0].rsplit(":", 1)
                triggers.add(trigger)
                args = [tuple(arg.rsplit(":", 1)) for arg in fields[1:] if arg]
                roles = [(_role(kind, r, order), t) for r, t in args]
                facts.append((kind, roles, False))
        for ident, (start, end, label) in spans.items():
            if ident not in triggers:
                held.add_span(start, end, label, links.get(ident))
        for kind, roles, positional in facts:
            fillers: list[tuple[str, Filler]] = [
                (role, spans[target][:2]) for role, target in roles if target.startswith("T")
            ]
            held.facts[fact_key(kind, fillers, order, positional=positional)] += 1
        found.append(held)
    return found


def _role(kind: str, role: str, order: RoleOrder) -> str:
    """brat numbers a repeated role (`Org_Arg2`): the role it repeats, if the schema has it."""
    names = order.get(kind, [])
    numbered = _ROLE_NUMBER.match(role)
    if role not in names and numbered and numbered.group(1) in names:
        return numbered.group(1)
    return role


def brat_reader(folder: Path, order: RoleOrder) -> list[Held]:
    """The same folder through telaah's brat reader (problems fail the test)."""
    found = []
    for ann in sorted(folder.glob("*.ann")):
        for item in read_brat(ann):
            assert isinstance(item, ReadDoc), f"the brat reader found {item}"
            doc = item.doc
            held = Held(doc.external_id, doc.text)
            where = {s.id: (s.start, s.end) for s in doc.spans}
            for span in doc.spans:
                held.add_span(span.start, span.end, span.label, span.entity_key)
            for fact in doc.facts:
                roles = [(role, where[i]) for role, ids in fact.roles.items() for i in ids]
                positional = all(role.startswith("#") for role, _ids in fact.roles.items())
                held.facts[fact_key(fact.type, roles, order, positional=positional)] += 1
            found.append(held)
    return found


def conll(path: Path, texts: list[str]) -> list[Held]:
    """A CoNLL export: documents in order, matched to `texts` (the articles, in export order);
    entities by seqeval, moved to the article's offsets through its tokens."""
    from seqeval.metrics.sequence_labeling import get_entities  # seqeval loads scikit-learn
    from seqeval.scheme import IOB2, Entities

    documents = list(_conll_documents(path))
    assert len(documents) == len(texts), f"{len(documents)} documents, {len(texts)} articles"
    found = []
    for text, sentences in zip(texts, documents, strict=True):
        held = Held("", text)
        offsets = _find_tokens(text, [token for sentence in sentences for token, _tag in sentence])
        first = 0
        for sentence in sentences:
            tags = [tag for _token, tag in sentence]
            loose = {(label, start, end) for label, start, end in get_entities(tags)}
            entities = Entities([tags], scheme=IOB2).entities[0]
            strict = {(e.tag, e.start, e.end - 1) for e in entities}
            assert loose == strict, f"not valid IOB2: {tags}"
            for label, start, end in sorted(loose):
                held.add_span(offsets[first + start][0], offsets[first + end][1], label)
            first += len(sentence)
        found.append(held)
    return found


def _conll_documents(path: Path) -> Iterator[list[list[tuple[str, str]]]]:
    sentences: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    started = False
    for line in path.read_text(encoding="utf-8").split("\n"):
        columns = line.split("\t") if "\t" in line else line.split()
        if columns and columns[0] == "-DOCSTART-":
            if started:
                yield sentences
            sentences, current, started = [], [], True
            continue
        if not columns:
            if current:
                sentences.append(current)
            current = []
            continue
        current.append((columns[0], columns[-1]))
    if current:
        sentences.append(current)
    if started:
        yield sentences


def _find_tokens(text: str, tokens: list[str]) -> list[Filler]:
    """Where each token is in `text`, in order, with only whitespace between them."""
    found = []
    position = 0
    for token in tokens:
        start = text.find(token, position)
        assert start >= 0 and not text[position:start].strip(), (
            f"token {token!r} is not the next text after {position}: {text[position:][:30]!r}"
        )
        position = start + len(token)
        found.append((start, position))
    assert not text[position:].strip(), f"text left after the last token: {text[position:]!r}"
    return found


def doccano(path: Path, order: RoleOrder) -> list[Held]:
    """A doccano export; relations as facts without role names (from, to)."""
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        text = record["text"]
        held = Held(str(record["id"]), text)
        utf16 = record.get("meta", {}).get("offsets", "utf16") == "utf16"
        point = _utf16_points(text) if utf16 else {i: i for i in range(len(text) + 1)}
        where = {}
        for entity in record["entities"]:
            start, end = point[entity["start_offset"]], point[entity["end_offset"]]
            held.add_span(start, end, entity["label"])
            where[entity["id"]] = (start, end)
        for relation in record["relations"]:
            roles = [("from", where[relation["from_id"]]), ("to", where[relation["to_id"]])]
            held.facts[fact_key(relation["type"], roles, order, positional=True)] += 1
        found.append(held)
    return found


def _utf16_points(text: str) -> dict[int, int]:
    """UTF-16 offset -> code point offset, counted from the encoded text."""
    return {len(text[:i].encode("utf-16-le")) // 2: i for i in range(len(text) + 1)}


def spacy_docbin(path: Path, wanted: dict[str, Held]) -> list[Held]:
    """A DocBin loaded with spaCy. Every span the article holds (those the DocBin cannot set as
    entities too: overlapping ones) must be a strict `char_span` of the `Doc`'s tokens."""
    from spacy.tokens import DocBin

    found = []
    for doc in DocBin().from_disk(path).get_docs(_vocab()):
        held = Held(str(doc.user_data["telaah_id"]), doc.text)
        for ent in doc.ents:
            held.add_span(ent.start_char, ent.end_char, ent.label_, ent.kb_id_ or None)
        for start, end, label in wanted[held.external_id].spans:
            made = doc.char_span(start, end, alignment_mode="strict")
            assert made is not None, f"{held.external_id}: {start}-{end} {label} off the tokens"
        found.append(held)
    return found


def facts_csv(path: Path, order: RoleOrder, texts: dict[str, str]) -> list[Held]:
    """A facts CSV: each row a fact, each ROLE_start/ROLE_end pair its fillers."""
    held = {article: Held(article, text) for article, text in texts.items()}
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle)
        fields = rows.fieldnames or []
        roles = [f.removesuffix("_start") for f in fields if f.endswith("_start")]
        roles = [r for r in roles if r != "evidence"]
        for row in rows:
            fillers: list[tuple[str, Filler]] = []
            for role in roles:
                if row[f"{role}_start"]:
                    starts = row[f"{role}_start"].split(" | ")
                    ends = row[f"{role}_end"].split(" | ")
                    fillers += [(role, (int(s), int(e))) for s, e in zip(starts, ends, strict=True)]
            held[row["article"]].facts[fact_key(row["type"], fillers, order)] += 1
    return list(held.values())
