"""The STRIPE_* settings: read from the environment, "configured" by the secret key, and
a key without its webhook secret refused at start-up (payments would never be confirmed)."""

from __future__ import annotations

import pytest

from voiceapp.config import ConfigError, Settings

KEY = "x" * 32


def test_stripe_settings_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_1")
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_1")
    monkeypatch.setenv("STRIPE_API_BASE", "http://127.0.0.1:8001/stripe")
    settings = Settings.from_env()
    assert settings.stripe_secret_key == "sk_test_1"
    assert settings.stripe_webhook_secret == "whsec_1"
    assert settings.stripe_api_base == "http://127.0.0.1:8001/stripe"
    assert settings.stripe_configured


def test_without_a_secret_key_stripe_is_not_configured(monkeypatch):
    for name in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings.from_env()
    assert not settings.stripe_configured
    assert settings.stripe_checkout_origin is None


def test_the_checkout_origin_is_stripes_or_the_stand_ins():
    real = Settings(stripe_secret_key="sk_live_1", stripe_webhook_secret="whsec_1")
    assert real.stripe_checkout_origin == "https://checkout.stripe.com"
    local = Settings(
        stripe_secret_key="sk_test_1",
        stripe_webhook_secret="whsec_1",
        stripe_api_base="http://127.0.0.1:8001/stripe",
    )
    assert local.stripe_checkout_origin == "http://127.0.0.1:8001"


def test_a_secret_key_without_the_webhook_secret_is_a_start_up_error():
    settings = Settings(env="production", secret_key=KEY, stripe_secret_key="sk_live_1")
    with pytest.raises(ConfigError, match="STRIPE_WEBHOOK_SECRET"):
        settings.validate()


def test_an_api_base_that_is_not_http_is_refused():
    settings = Settings(
        secret_key=KEY,
        stripe_secret_key="sk_test_1",
        stripe_webhook_secret="whsec_1",
        stripe_api_base="127.0.0.1:8001",
    )
    with pytest.raises(ConfigError, match="STRIPE_API_BASE"):
        settings.validate()
