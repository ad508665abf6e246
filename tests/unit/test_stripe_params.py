"""The stand-in reads Stripe's bracket-nested form encoding as Stripe does."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from stripe._encode import _api_encode

from voiceapp.sim.stripe.params import ParamError, checkout_session_params, decode_form

NOW = 1_800_000_000


def encoded(params: dict) -> list[tuple[str, str]]:
    """What the stripe library puts on the wire for `params` (its own encoder)."""
    return parse_qsl("&".join(f"{k}={v}" for k, v in _api_encode(params)))


def test_nested_dicts_and_indexed_lists_come_back_as_they_were_sent():
    sent = {
        "mode": "payment",
        "line_items": [
            {"quantity": 2, "price_data": {"currency": "eur", "unit_amount": 100}},
            {"quantity": 1, "price_data": {"currency": "eur", "unit_amount": 5}},
        ],
        "metadata": {"order_id": "7"},
        "payment_method_types": ["card"],
    }
    decoded = decode_form(encoded(sent))
    assert decoded["line_items"][1]["price_data"]["unit_amount"] == "5"
    assert decoded["line_items"][0]["quantity"] == "2"
    assert decoded["metadata"] == {"order_id": "7"}
    assert decoded["payment_method_types"] == ["card"]


def test_a_gap_in_the_indexes_stays_a_dict():
    assert decode_form([("a[0]", "x"), ("a[2]", "y")]) == {"a": {"0": "x", "2": "y"}}


def test_a_value_and_a_nested_value_under_one_name_is_refused():
    with pytest.raises(ParamError):
        decode_form([("a", "x"), ("a[b]", "y")])


def test_a_lifetime_between_thirty_minutes_and_a_day_is_accepted():
    base = {
        "mode": "payment",
        "success_url": "https://shop.example/thanks",
        "line_items": [
            {
                "quantity": "1",
                "price_data": {
                    "currency": "EUR",
                    "unit_amount": "100",
                    "product_data": {"name": "x"},
                },
            }
        ],
    }
    for seconds in (1800, 86400):
        params = checkout_session_params(dict(base, expires_at=str(NOW + seconds)), NOW)
        assert params["expires_at"] == NOW + seconds
        assert params["line_items"][0]["price_data"]["currency"] == "eur"
    for seconds in (1799, 86401):
        with pytest.raises(ParamError) as raised:
            checkout_session_params(dict(base, expires_at=str(NOW + seconds)), NOW)
        assert raised.value.param == "expires_at"
