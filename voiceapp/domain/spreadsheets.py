"""Text bound for a spreadsheet (CSV or .xlsx), made safe to open.

A cell that begins like a formula (=, +, -, @, a tab or a carriage return) is run by the
spreadsheet that opens the file (CSV injection), and openpyxl itself stores a string
starting with "=" as a formula: such text gets a leading apostrophe.
"""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str | None) -> str:
    value = value or ""
    return "'" + value if value.startswith(FORMULA_START) else value
