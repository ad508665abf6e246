from __future__ import annotations

import pytest

from voiceapp.config import ConfigError, Settings


def test_production_without_secret_key_is_a_clear_start_up_error(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("VOICEAPP_ENV", raising=False)
    settings = Settings.from_env()
    assert settings.env == "production"
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        settings.validate()


def test_development_runs_without_secret_key():
    Settings(env="development").validate()


def test_unknown_environment_is_refused():
    with pytest.raises(ConfigError, match="VOICEAPP_ENV"):
        Settings(env="staging", secret_key="x" * 32).validate()


def test_short_secret_key_is_refused_in_production():
    with pytest.raises(ConfigError, match="too short"):
        Settings(env="production", secret_key="short").validate()


def test_settings_are_read_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("REDIS_URL", "redis://r:6379/2")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://calls.example.com")
    monkeypatch.setenv("TIMEZONE", "Europe/Madrid")
    monkeypatch.setenv("DEFAULT_REGION", "es")
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC123")
    monkeypatch.setenv("TWILIO_API_BASE", "http://127.0.0.1:9000")
    s = Settings.from_env()
    assert s.database_url == "postgresql+psycopg://u@h/db"
    assert s.redis_url == "redis://r:6379/2"
    assert s.public_base_url == "https://calls.example.com"
    assert s.timezone == "Europe/Madrid"
    assert s.default_region == "ES"
    assert s.twilio_account_sid == "AC123"
    assert s.twilio_api_base == "http://127.0.0.1:9000"


def test_default_database_is_a_sqlite_file_under_instance(tmp_path):
    s = Settings(instance_path=tmp_path)
    assert s.resolved_database_url() == f"sqlite:///{tmp_path / 'voiceapp.sqlite3'}"


def test_a_bad_number_setting_names_the_variable(monkeypatch):
    monkeypatch.setenv("LOGIN_MAX_FAILURES_PER_ACCOUNT", "many")
    with pytest.raises(ConfigError, match="LOGIN_MAX_FAILURES_PER_ACCOUNT"):
        Settings.from_env()


def test_unknown_override_is_refused():
    with pytest.raises(ConfigError, match="unknown settings"):
        Settings().with_overrides({"no_such_setting": 1})


def test_path_overrides_may_be_strings(tmp_path):
    settings = Settings().with_overrides({"instance_path": str(tmp_path)})
    assert settings.instance_path == tmp_path
    assert settings.resolved_recordings_path() == tmp_path / "recordings"
