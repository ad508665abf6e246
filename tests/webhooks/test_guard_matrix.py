"""Every /twilio/ route, found by walking the app's url_map (a route added tomorrow is in
the matrix without anyone listing it): unsigned, signed with another token, signed for
another URL, signed without the query string it was sent with, and signed for a forwarded
address the app must not trust. Each is 403 and stores nothing; the same request signed
correctly is let through (so the refusals are the signature's doing)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from tests.twilio_helpers import (
    AUTH_TOKEN,
    PUBLIC_BASE_URL,
    TWILIO_SETTINGS,
    new_call_sid,
    voice_params,
)
from voiceapp.db import Base

OUR_NUMBER = "+4930901820"
CALLER = "+4915112345678"
# Sample values for the routes' URL arguments (e.g. the dial-result of a ring group).
ARGUMENT_SAMPLES = {"stage": "team"}


def _twilio_paths(app) -> list[tuple[str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/twilio/"):
            continue
        missing = [a for a in rule.arguments if a not in ARGUMENT_SAMPLES]
        assert not missing, f"{rule.rule}: add a sample for {missing} to ARGUMENT_SAMPLES"
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<{name}>", ARGUMENT_SAMPLES[name])
            for converter in ("string", "int", "path"):
                path = path.replace(f"<{converter}:{name}>", ARGUMENT_SAMPLES[name])
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, path))
    return found


def _row_counts(dbs) -> dict[str, int]:
    dbs.rollback()  # see what the app committed
    return {
        table.name: dbs.scalar(select(func.count()).select_from(table))
        for table in Base.metadata.sorted_tables
    }


def _params() -> dict:
    return voice_params(new_call_sid(), from_=CALLER, to=OUR_NUMBER, Digits="1")


def _send(client, method, path, params, signature=None, headers=None):
    headers = dict(headers or {})
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    if method == "GET":
        return client.get(path, query_string=params, headers=headers)
    return client.open(path, method=method, data=params, headers=headers)


def _sign(url: str, params: dict, method: str, token: str = AUTH_TOKEN) -> str:
    # Twilio signs a GET's URL with its query (parameters are in it), a POST's URL plus
    # its sorted form parameters (webhooks security page, "Validating requests").
    if method == "GET":
        from urllib.parse import urlencode

        return RequestValidator(token).compute_signature(f"{url}?{urlencode(params)}", {})
    return RequestValidator(token).compute_signature(url, params)


def test_the_walk_finds_every_kind_of_twilio_route(tw):
    paths = {path for _method, path in _twilio_paths(tw.application)}
    # Not the list under test (the walk is): a floor, so an empty walk cannot pass.
    for expected in (
        "/twilio/voice/inbound",
        "/twilio/voice/status",
        "/twilio/voice/recording",
        "/twilio/voice/fallback",
        "/twilio/ivr/language",
    ):
        assert expected in paths
    assert len(paths) >= 10


REFUSALS = {
    "unsigned": lambda url, params, method: None,
    "another token": lambda url, params, method: _sign(url, params, method, "not-the-token"),
    "another path": lambda url, params, method: _sign(
        PUBLIC_BASE_URL + "/twilio/voice/other", params, method
    ),
    "the address gunicorn sees": lambda url, params, method: _sign(
        url.replace(PUBLIC_BASE_URL, "http://localhost"), params, method
    ),
    "a changed parameter": lambda url, params, method: _sign(
        url, dict(params, From="+4917000000000"), method
    ),
}


@pytest.mark.parametrize("refusal", sorted(REFUSALS))
def test_every_twilio_route_refuses_a_bad_signature_and_stores_nothing(tw, team, dbs, refusal):
    before = _row_counts(dbs)
    for method, path in _twilio_paths(tw.application):
        params = _params()
        signature = REFUSALS[refusal](PUBLIC_BASE_URL + path, params, method)
        if refusal == "a changed parameter":
            params = dict(params, From=CALLER)  # what was signed had another caller
        response = _send(tw, method, path, params, signature)
        assert response.status_code == 403, (refusal, method, path, response.status_code)
    assert _row_counts(dbs) == before


def test_a_signature_over_the_url_without_its_query_string_is_refused(tw, team, dbs):
    before = _row_counts(dbs)
    for method, path in _twilio_paths(tw.application):
        if method == "GET":
            continue  # a GET's parameters are its query string: covered above
        params = _params()
        signature = _sign(PUBLIC_BASE_URL + path, params, method)
        response = _send(tw, method, path + "?lang=de&attempt=2", params, signature)
        assert response.status_code == 403, (method, path)
    assert _row_counts(dbs) == before


def test_the_same_requests_signed_correctly_are_let_through(tw, team):
    """The control for the refusals above: with the right signature over the whole URL,
    query string included, no route answers 403."""
    for method, path in _twilio_paths(tw.application):
        params = _params()
        url = PUBLIC_BASE_URL + path + "?attempt=2"
        response = _send(tw, method, path + "?attempt=2", params, _sign(url, params, method))
        assert response.status_code != 403, (method, path)


SPOOFED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "attacker.example"}


def test_without_trusted_proxies_forwarded_headers_do_not_change_the_signed_url(
    make_app, team, dbs
):
    """No PUBLIC_BASE_URL and TRUSTED_PROXIES=0: the URL is the one the app was asked for;
    a client's X-Forwarded-* headers cannot make it sign for an address of its choosing."""
    settings = dict(TWILIO_SETTINGS, public_base_url=None, trusted_proxies=0)
    client = make_app(**settings).test_client()
    before = _row_counts(dbs)
    params = _params()
    forged = _sign("https://attacker.example/twilio/voice/inbound", params, "POST")
    response = _send(client, "POST", "/twilio/voice/inbound", params, forged, SPOOFED)
    assert response.status_code == 403
    assert _row_counts(dbs) == before
    honest = _sign("http://localhost/twilio/voice/inbound", params, "POST")
    answered = _send(client, "POST", "/twilio/voice/inbound", params, honest)
    assert answered.status_code == 200 and "<Response>" in answered.text
    assert _row_counts(dbs) != before  # the honest request is the one that stores the call


def test_behind_one_trusted_proxy_the_forwarded_url_is_the_signed_one(make_app, team):
    settings = dict(TWILIO_SETTINGS, public_base_url=None, trusted_proxies=1)
    client = make_app(**settings).test_client()
    params = _params()
    forwarded = _sign("https://attacker.example/twilio/voice/inbound", params, "POST")
    response = _send(client, "POST", "/twilio/voice/inbound", params, forwarded, SPOOFED)
    assert response.status_code == 200 and "<Response>" in response.text
    local = _sign("http://localhost/twilio/voice/inbound", params, "POST")
    assert _send(client, "POST", "/twilio/voice/inbound", params, local, SPOOFED).status_code == 403
