"""Text normalisation: once for article text at import, and the alias lookup key."""

from __future__ import annotations

import re
import unicodedata

# C0 and C1 control characters except TAB and LF (CR is turned into LF first).
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ASCII_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
TITLE_MAX = 200


def normalise_text(raw: str) -> tuple[str, int]:
    """Return the stored form of an article text and how many control characters were removed.

    A leading BOM is dropped, CRLF and CR become LF, control characters other than newline and
    tab are removed, and the result is Unicode NFC. Offsets into the stored text are final.
    """
    text = raw[1:] if raw.startswith("\ufeff") else raw
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text, removed = _CONTROLS.subn("", text)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text, removed


def normalise_field(value: str) -> str:
    """A title, source, url, name, alias, description, note or reviewer name as stored.

    The same normalisation as article text (BOM, line endings, control characters, NFC), so
    that what is stored is what every screen shows (`store.textsafe` marks the rest).
    """
    return normalise_text(value)[0]


def normalise_optional(value: str | None) -> str | None:
    """`normalise_field` of a value that may be missing."""
    return None if value is None else normalise_text(value)[0]


def title_from_text(text: str) -> str:
    """The first non-empty line, stripped and shortened to 200 characters."""
    for line in text.split("\n"):
        line = line.strip()
        if line:
            return shorten(line)
    return ""


def shorten(value: str, limit: int = TITLE_MAX) -> str:
    """`value` cut to `limit` characters, with an ellipsis when cut."""
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def norm_key(value: str) -> str:
    """The lookup key of an alias: case, diacritics, punctuation and spacing ignored.

    `S-300`, `S300` and `s 300` share a key; so do `Türkiye` and `TURKIYE`.
    """
    if value.isascii():  # the same, in one pass (a gazetteer import keys 100,000 of them)
        return _ASCII_NOT_ALNUM.sub("", value.lower())
    decomposed = unicodedata.normalize("NFKD", value)
    kept = (ch for ch in decomposed if not unicodedata.combining(ch))
    return "".join(ch for ch in "".join(kept).casefold() if ch.isalnum())
