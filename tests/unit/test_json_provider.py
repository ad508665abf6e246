"""The orjson provider answers what Flask's default provider answers, value for value."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask import Flask
from flask.json.provider import DefaultJSONProvider
from markupsafe import Markup

from voiceapp.json_provider import OrjsonProvider


@dataclass
class Point:
    x: int
    label: str


MIXED = {
    "z": 1,
    "a": [1.5, None, True, "Grüße, 東京"],
    "when": datetime(2026, 11, 30, 22, 5, tzinfo=UTC),
    "day": date(2026, 11, 30),
    "amount": Decimal("19.90"),
    "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "point": Point(3, "p"),
    "html": Markup("<b>x</b>"),
    "nested": {"pair": (1, 2), "by_id": {7: "seven", 3: "three"}},
}


@pytest.fixture
def providers():
    app = Flask(__name__)
    return app, OrjsonProvider(app), DefaultJSONProvider(app)


def test_same_values_as_flasks_provider(providers):
    _app, fast, default = providers
    assert json.loads(fast.dumps(MIXED)) == json.loads(default.dumps(MIXED))
    # Keys sorted as Flask sorts them; dates as HTTP dates, as before.
    assert fast.dumps({"b": 1, "a": 2}) == '{"a":2,"b":1}'
    assert json.loads(fast.dumps(MIXED))["when"] == "Mon, 30 Nov 2026 22:05:00 GMT"


def test_response_is_compact_json_with_a_newline(providers):
    app, fast, default = providers
    with app.app_context():
        answer = fast.response(MIXED)
        before = default.response(MIXED)
    assert answer.mimetype == "application/json"
    assert answer.get_data().endswith(b"\n")
    assert json.loads(answer.get_data()) == json.loads(before.get_data())


def test_debug_mode_keeps_the_indented_answer(providers):
    app, fast, _default = providers
    app.debug = True
    with app.app_context():
        body = fast.response({"a": 1}).get_data(as_text=True)
    assert body == '{\n  "a": 1\n}\n'


def test_what_orjson_refuses_goes_to_the_standard_library(providers):
    _app, fast, default = providers
    huge = {"n": 2**70}  # beyond orjson's 64-bit integers
    assert fast.dumps(huge) == default.dumps(huge)
    # Callers' own options are the standard library's.
    assert fast.dumps({"a": 1}, indent=1) == '{\n "a": 1\n}'
    with pytest.raises(TypeError):
        fast.dumps({"s": {1, 2}})
