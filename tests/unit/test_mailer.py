"""Building messages, telling passing SMTP failures from permanent ones, and which mailer
the settings choose."""

from __future__ import annotations

import smtplib

import pytest

from voiceapp.config import ConfigError, Settings
from voiceapp.mailer import (
    FileMailer,
    PermanentMailError,
    SmtpMailer,
    TransientMailError,
    UnconfiguredMailer,
    build_message,
    classify_smtp_error,
    make_mailer,
)


def message(**overrides):
    values = dict(
        mail_from="Team <team@example.com>",
        to="anna@example.com",
        cc=["boss@example.com", "lead@example.com"],
        subject="Hello",
        body_text="Text",
        body_html="<p>HTML</p>",
        message_id="<voiceapp-email-1@example.com>",
    )
    values.update(overrides)
    return build_message(**values)


def test_a_message_carries_text_with_html_as_its_alternative_and_the_copies():
    msg = message()
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert msg["Cc"] == "boss@example.com, lead@example.com"
    assert msg["Message-ID"] == "<voiceapp-email-1@example.com>"


def test_a_message_without_html_is_plain_text_without_cc():
    msg = message(body_html=None, cc=[])
    assert msg.get_content_type() == "text/plain"
    assert msg["Cc"] is None


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (smtplib.SMTPDataError(451, b"try again later"), TransientMailError),
        (smtplib.SMTPSenderRefused(421, b"closing", "team@example.com"), TransientMailError),
        (smtplib.SMTPDataError(554, b"rejected"), PermanentMailError),
        (smtplib.SMTPRecipientsRefused({"a@x": (550, b"no such user")}), PermanentMailError),
        (
            smtplib.SMTPRecipientsRefused({"a@x": (550, b"no"), "b@x": (452, b"full")}),
            TransientMailError,
        ),
        (smtplib.SMTPAuthenticationError(535, b"bad password"), TransientMailError),
        (smtplib.SMTPServerDisconnected("gone"), TransientMailError),
        (ConnectionRefusedError(111, "Connection refused"), TransientMailError),
        (TimeoutError("timed out"), TransientMailError),
    ],
)
def test_smtp_errors_are_classified(error, kind):
    classified = classify_smtp_error(error)
    assert type(classified) is kind


def test_the_answer_is_kept_in_the_error():
    error = classify_smtp_error(smtplib.SMTPRecipientsRefused({"a@x": (550, b"no such user")}))
    assert str(error) == "recipients refused: a@x: 550 no such user"


def test_settings_choose_the_mailer(tmp_path):
    smtp = make_mailer(
        Settings(smtp_host="mail.example.com", smtp_port=465, smtp_security="ssl", smtp_user="u")
    )
    assert isinstance(smtp, SmtpMailer)
    assert (smtp.host, smtp.port, smtp.security, smtp.user) == ("mail.example.com", 465, "ssl", "u")
    assert isinstance(make_mailer(Settings(env="development", instance_path=tmp_path)), FileMailer)
    assert isinstance(make_mailer(Settings(env="production")), UnconfiguredMailer)
    with pytest.raises(TransientMailError, match="SMTP_HOST"):
        UnconfiguredMailer().send(message())


def test_the_development_mailer_writes_the_message_to_a_file(tmp_path):
    FileMailer(tmp_path).send(message())
    [written] = tmp_path.iterdir()
    assert written.name == "voiceapp-email-1_example.com.eml"
    assert b"Subject: Hello" in written.read_bytes()


def test_smtp_settings_are_read_and_checked(monkeypatch):
    monkeypatch.setenv("SMTP_HOST", "mail.example.com")
    monkeypatch.setenv("SMTP_PORT", "2525")
    monkeypatch.setenv("SMTP_USER", "voiceapp")
    monkeypatch.setenv("SMTP_PASSWORD", "secret")
    monkeypatch.setenv("SMTP_SECURITY", "SSL")
    monkeypatch.setenv("MAIL_FROM", "Sales <sales@example.com>")
    s = Settings.from_env()
    assert (s.smtp_host, s.smtp_port, s.smtp_user, s.smtp_password) == (
        "mail.example.com",
        2525,
        "voiceapp",
        "secret",
    )
    assert (s.smtp_security, s.mail_from) == ("ssl", "Sales <sales@example.com>")
    with pytest.raises(ConfigError, match="SMTP_SECURITY"):
        Settings(env="development", smtp_security="tls").validate()
