"""Production refuses to start without a public address Twilio can sign for: no
PUBLIC_BASE_URL, or an http:// one with no trusted proxy in front, is a start-up error
naming the variable. Development and the test suite's environment are not held to it."""

from __future__ import annotations

import pytest

from voiceapp.config import ConfigError, Settings

KEY = "k" * 32


def test_production_without_public_base_url_is_a_start_up_error_naming_it():
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL is not set"):
        Settings(env="production", secret_key=KEY).validate()


def test_an_http_public_base_url_without_a_trusted_proxy_is_refused():
    settings = Settings(
        env="production", secret_key=KEY, public_base_url="http://calls.example.com"
    )
    with pytest.raises(ConfigError, match=r"PUBLIC_BASE_URL .*TRUSTED_PROXIES is 0"):
        settings.validate()


def test_an_address_that_is_not_http_is_refused():
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL must be an http"):
        Settings(env="production", secret_key=KEY, public_base_url="calls.example.com").validate()


@pytest.mark.parametrize(
    "settings",
    [
        {"public_base_url": "https://calls.example.com"},
        {"public_base_url": "http://calls.example.com", "trusted_proxies": 1},
    ],
)
def test_an_https_address_or_a_trusted_proxy_starts(settings):
    Settings(env="production", secret_key=KEY, **settings).validate()


@pytest.mark.parametrize("env", ["development", "testing"])
def test_development_and_tests_start_without_it(env):
    Settings(env=env, secret_key=KEY).validate()


def test_the_variable_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("VOICEAPP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", KEY)
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    monkeypatch.delenv("TRUSTED_PROXIES", raising=False)
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        Settings.from_env().validate()
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://calls.example.com")
    Settings.from_env().validate()
