"""A short list of hostile values for fuzzing every input: NUL bytes, huge integers,
dates at the calendar's edges, long strings, unicode oddities. JSON-only ones (deep
nesting, numbers no JSON encoder writes) are raw JSON text."""

from __future__ import annotations

HOSTILE_TEXT = [
    "a\x00b",  # PostgreSQL's text type refuses NUL
    "\x00",
    "9" * 5000,  # past Python's 4300-digit int() limit
    "9" * 25,  # past any 64-bit integer
    "-2147483649",  # just below a 32-bit id
    "0001-01-01T00:00:00+14:00",  # no UTC time before year 1
    "9999-12-31T23:59:59-12:00",  # no UTC time after year 9999
    "0001-01-01",
    "9999-12-31",
    "x" * 10_000,
    "\u202e\ufeffe\u0301\U0001f600\uffff",  # right-to-left mark, BOM, combining, emoji
]

# Raw JSON values for a field of a JSON body.
HOSTILE_JSON = [
    '"a\\u0000b"',
    "9" * 5000,
    "9" * 1000,
    "-" + "9" * 30,
    "1e400",
    "NaN",
    '"0001-01-01T00:00:00+14:00"',
    '"9999-12-31T23:59:59-12:00"',
    '"' + "x" * 10_000 + '"',
    "[" * 5000 + "]" * 5000,
    '{"a": ' * 100 + "1" + "}" * 100,
    '"\\u202e\\ufeffe\\u0301\\ud83d\\ude00"',
]
