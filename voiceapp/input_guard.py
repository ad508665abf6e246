"""Input no view could store or parse, refused before any view runs: a 400 with a message
saying what was wrong, instead of a 500 from deep inside.

- A NUL byte (in the path, the query, a form field or file name, a JSON string or key):
  PostgreSQL's text type refuses it, so it would fail at the first query.
- JSON nested deeper than any of our schemas goes (Python's parser would otherwise run
  out of stack on a few thousand brackets), numbers beyond 64 bits, NaN and infinity.
- A query or form value that is a whole number of more than 19 digits (past any 64-bit
  integer; Python refuses to convert more than 4300 of them at all).

Twilio's webhooks (/twilio/) are left to their signature guard, which checks the
signature first and then applies `request_problem`, so a stranger's request is refused as
unsigned whatever it holds.
"""

from __future__ import annotations

import json
import math
import re

from flask import request
from werkzeug.exceptions import BadRequest

NUL = "\x00"
# The deepest of our schemas (a case outcome's e-mail) is three levels; leave room.
MAX_JSON_DEPTH = 16
INT64_MAX = 2**63 - 1
MAX_DIGITS = len(str(INT64_MAX))
_WHOLE_NUMBER = re.compile(r"\s*[+-]?\d+\s*")
WEBHOOK_PREFIX = "/twilio/"


class InputRefused(BadRequest):
    """A 400 whose message shows in the panel's error page and in the API's JSON."""

    def __init__(self, message: str):
        super().__init__(description=message)
        self.data = {"message": message}


def _text_problem(where: str, name: str, value: str) -> str | None:
    if NUL in name or NUL in value:
        return f"{where} {name.replace(NUL, '')!r} contains a NUL byte, which is not allowed."
    if len(value) > MAX_DIGITS and _WHOLE_NUMBER.fullmatch(value):
        return f"{where} {name!r} is a number too large for any field."
    return None


def _pairs_problem(where: str, pairs) -> str | None:
    for name, value in pairs:
        if name is None:
            # A multipart part whose header names nothing (or breaks the line in its name):
            # werkzeug keeps it with the name None, which nothing after us expects.
            return f"{where} without a name is not allowed."
        problem = _text_problem(where, name, value)
        if problem:
            return problem
    return None


def _json_problem(body: bytes) -> str | None:
    try:
        document = json.loads(body)
    except RecursionError:
        return f"The JSON body is nested too deeply (at most {MAX_JSON_DEPTH} levels)."
    except ValueError as exc:  # bad syntax, bad UTF-8, or an integer of > 4300 digits
        return f"The body is not valid JSON: {exc}"
    # Walked with a stack of its own: a structure just below the parser's limit must not
    # exhaust ours.
    pending = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                return f"The JSON body is nested too deeply (at most {MAX_JSON_DEPTH} levels)."
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and NUL in key:
                    return "A JSON key contains a NUL byte, which is not allowed."
                pending.append((item, depth + 1))
        elif isinstance(value, str):
            if NUL in value:
                return "A JSON string contains a NUL byte, which is not allowed."
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int) and abs(value) > INT64_MAX:
            return "A JSON number is too large for any field."
        elif isinstance(value, float) and (not math.isfinite(value) or abs(value) > INT64_MAX):
            return "A JSON number is out of range (too large, infinite or NaN)."
    return None


def request_problem() -> str | None:
    """What is wrong with the current request's input, or None."""
    if NUL in request.path:
        return "The address contains a NUL byte, which is not allowed."
    problem = _pairs_problem("The query parameter", request.args.items(multi=True))
    if problem:
        return problem
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    if request.is_json:
        body = request.get_data(cache=True)
        return _json_problem(body) if body.strip() else None
    problem = _pairs_problem("The form field", request.form.items(multi=True))
    if problem:
        return problem
    for name, upload in request.files.items(multi=True):
        if NUL in name or NUL in (upload.filename or ""):
            return "A file name contains a NUL byte, which is not allowed."
    return None


def refuse_hostile_input() -> None:
    """before_request of the whole app (the webhooks excepted, see above)."""
    if request.path.startswith(WEBHOOK_PREFIX):
        return
    problem = request_problem()
    if problem:
        raise InputRefused(problem)


def init_input_guard(app) -> None:
    app.before_request(refuse_hostile_input)
