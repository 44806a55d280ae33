"""JSON of one record, parsed so that nothing in it can stop an import: lone surrogates,
nesting past the depth limit and numbers Python refuses are errors of that record alone."""

from __future__ import annotations

import json
import re
from itertools import chain, compress, repeat
from operator import is_
from typing import Any

from store.formats import limits

# `\ud800`-`\udfff` written as escapes: the only way JSON text decoded from UTF-8 gets a
# surrogate (paired ones become one code point); seen, the parsed strings are looked at.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTAINERS = frozenset((dict, list))
_DICT, _LIST = repeat(dict), repeat(list)  # endless: `map` stops at the shorter iterable


class JsonValueError(ValueError):
    """Valid JSON syntax whose value telaah cannot take; the message says why, in one line."""


def loads(text: str) -> Any:
    """The value of the JSON `text`.

    Raises:
        json.JSONDecodeError: not JSON (its message and column, as the callers report them).
        JsonValueError: nested deeper than the limit, a number too long to read, or a lone
            surrogate (text that is not Unicode and cannot be stored).
    """
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise JsonValueError(_too_deep()) from None
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise JsonValueError(_unreadable(exc)) from None
    check(value, text)
    return value


def raw_decode(decoder: json.JSONDecoder, text: str, start: int) -> tuple[Any, int]:
    """`decoder.raw_decode(text, start)`; the value is not checked (`check` it with
    `text[start:end]`), so that a caller reading several values can skip a bad one."""
    try:
        value, end = decoder.raw_decode(text, start)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise JsonValueError(_too_deep()) from None
    except ValueError as exc:
        raise JsonValueError(_unreadable(exc)) from None
    return value, end


def check(value: Any, text: str) -> None:
    """Raise `JsonValueError` if `value` (parsed from `text`) nests too deep or holds a lone
    surrogate; the text is looked at first, so most records cost two scans of it."""
    max_depth = limits.current().max_depth
    deep = text.count("[") + text.count("{") > max_depth
    surrogates = _SURROGATE_ESCAPE.search(text) is not None
    if surrogates:
        _find_surrogate(value)
    if deep:
        _check_depth(value, max_depth)


def _find_surrogate(value: Any) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise JsonValueError(_surrogate(item))
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _check_depth(value: Any, max_depth: int) -> None:
    """Level by level, containers only, each level's children gathered by C iterators (no
    Python code per value): a JSONL line of 700 token objects costs a third of a millisecond.
    A JSON value holds only `dict` and `list` containers, never subclasses."""
    level = [value] if type(value) in _CONTAINERS else []
    depth = 0
    while level:
        depth += 1
        if depth > max_depth:
            raise JsonValueError(_too_deep())
        kinds = list(map(type, level))
        children = list(
            chain(
                chain.from_iterable(map(dict.values, compress(level, map(is_, kinds, _DICT)))),
                chain.from_iterable(compress(level, map(is_, kinds, _LIST))),
            )
        )
        level = list(compress(children, map(_CONTAINERS.__contains__, map(type, children))))


def _unreadable(exc: ValueError) -> str:
    if "digits" in str(exc):
        return "a number of more than 4,300 digits: cannot be read"
    return f"a value cannot be read: {str(exc).split(':')[0]}"


def _too_deep() -> str:
    return f"JSON nested more than {limits.current().max_depth} levels deep"


def _surrogate(item: str) -> str:
    found = _SURROGATE.search(item)
    code = ord(found.group()) if found else 0xD800
    return f"a lone surrogate (\\u{code:04x}) in a string: not Unicode text, cannot be stored"
