"""HSTS: follows PUBLIC_BASE_URL unless the HSTS variable says on or off."""

from __future__ import annotations

import pytest

from voiceapp.config import Settings


@pytest.mark.parametrize(
    ("hsts", "public_url", "expected"),
    [
        (None, "https://calls.example.com", True),
        (None, "http://calls.example.com", False),
        (None, None, False),
        ("off", "https://calls.example.com", False),
        ("on", None, True),
        ("", "https://calls.example.com", True),
    ],
)
def test_hsts_from_the_environment(monkeypatch, hsts, public_url, expected):
    for name, value in (("HSTS", hsts), ("PUBLIC_BASE_URL", public_url)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert Settings.from_env().sends_hsts is expected
