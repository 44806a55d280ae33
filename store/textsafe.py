"""What reaches a terminal: stored text made visible, never obeyed.

Stored data keeps what it came with (article text keeps its offsets), but a control character,
an escape sequence or a bidi override in a title, a name or a note must never act on the
terminal that shows it: an OSC 52 sequence writes the clipboard, `ESC[2J` blanks the screen, a
right-to-left override reorders what a reviewer reads. `visible` is the one function every
screen and every command passes data through before it becomes text on screen:

- C0 controls (but newline and tab) become their control pictures (`ESC` is `␛`, `CR` is
  `␍`, `BEL` is `␇`) and DEL is `␡`: one character for one, so `ESC[2J` reads `␛[2J`;
- C1 controls (`0x9b` is a one-byte CSI), bidi controls (LRE, RLE, PDF, LRO, RLO, LRI, RLI,
  FSI, PDI, LRM, RLM, ALM), invisible formatting characters (zero-width space, word joiner,
  soft hyphen, BOM, tags...), line and paragraph separators and lone surrogates become a
  `\\u202e`-style mark, or with `cells=True` one `�` each: the article text widget maps one
  stored code point to one drawn character, so its mention spans stay where they are;
- a zero-width joiner or non-joiner between two characters of a script that needs it (emoji
  sequences, Indic conjuncts, Arabic and Persian words) is kept: it changes how the word is
  drawn, not what the terminal does. Between Latin, Greek or Cyrillic letters, at a word's
  edge, or next to ASCII it is a mark, since there it only hides a difference between names.

`strip_unsafe` is the last line of defence on the app's output (`tui.safety`): it removes
whatever terminal-active code point a screen failed to pass through `visible`. They are all
zero cells wide, so removing them never moves what is drawn.
"""

from __future__ import annotations

import re
import unicodedata

_PICTURES = 0x2400  # U+2400..U+241F: the control pictures of C0, in order
_DEL_PICTURE = "\u2421"
CELL_MARK = "\ufffd"  # one drawn cell for a code point that has no picture
ZWNJ, ZWJ = "\u200c", "\u200d"

# Terminal-active: C0 (but TAB and LF), DEL, C1, bidi controls, line/paragraph separators,
# lone surrogates.
_ACTIVE = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f"
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029"
    "\ud800-\udfff"
)
# Invisible formatting characters (Unicode category Cf, the script-specific visible ones left
# out): soft hyphen, Mongolian vowel separator, zero-width space and joiners, word joiner and
# invisible operators, deprecated format controls, BOM, interlinear annotation, tags.
_INVISIBLE = (
    "\u00ad\u180e\u200b-\u200d\u2060-\u2064\u206a-\u206f\ufeff\ufff9-\ufffb"
    "\U000e0001\U000e0020-\U000e007f"
)
_SHOWN = re.compile(f"[{_ACTIVE}{_INVISIBLE}]")
_UNSAFE = re.compile(f"[{_ACTIVE}]")
_PLAIN_SCRIPTS = ("LATIN", "GREEK", "CYRILLIC")


def visible(text: str, *, cells: bool = False) -> str:
    """`text` with every control, bidi and invisible formatting character shown as a mark.

    Newline and tab are kept. With `cells=True` every code point stays one code point (a
    mark without a picture is `�`), so offsets into `text` are offsets into the result.
    """
    if _SHOWN.search(text) is None:
        return text
    return _SHOWN.sub(lambda match: _mark(match, cells), text)


def strip_unsafe(text: str) -> str:
    """`text` without the code points a terminal would act on (all of them zero cells wide)."""
    if text.isprintable() or _UNSAFE.search(text) is None:  # `isprintable`: the quick test
        return text
    return _UNSAFE.sub("", text)


def _mark(match: re.Match[str], cells: bool) -> str:
    char = match.group()
    code = ord(char)
    if code < 0x20:
        return chr(_PICTURES + code)
    if code == 0x7F:
        return _DEL_PICTURE
    if char in (ZWJ, ZWNJ) and _joins(match.string, match.start()):
        return char
    if cells:
        return CELL_MARK
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _joins(text: str, at: int) -> bool:
    """Whether the joiner at `at` sits between two characters of a script that uses it."""
    if at == 0 or at + 1 >= len(text):
        return False
    return _joinable(text[at - 1]) and _joinable(text[at + 1])


def _joinable(char: str) -> bool:
    if ord(char) < 0x80 or char.isspace() or _SHOWN.match(char):
        return False
    if unicodedata.category(char)[0] not in "LMS":  # letters, marks, symbols (emoji)
        return False
    return not unicodedata.name(char, "").startswith(_PLAIN_SCRIPTS)
