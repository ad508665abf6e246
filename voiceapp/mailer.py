"""Sending e-mail: a small interface, the real SMTP implementation (smtplib), and the
choice made in create_app (app.extensions["voiceapp.mailer"]).

A mailer either delivers the message to the SMTP server, or raises:
- TransientMailError: try again later (server unreachable, timeouts, 4xx answers, a
  refused login: the password can be fixed without losing the messages);
- PermanentMailError: this message will never go out as it is (5xx answers, every
  recipient refused).
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Protocol

from flask import current_app

from voiceapp.config import Settings


class MailError(Exception):
    """Sending failed; `str(error)` says what the server answered."""


class TransientMailError(MailError):
    pass


class PermanentMailError(MailError):
    pass


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> dict[str, str]:
        """Deliver `message` to its To and Cc addresses. Returns the recipients the server
        refused while accepting others ({address: answer}); raises MailError otherwise."""


def build_message(
    *,
    mail_from: str,
    to: str,
    cc: list[str],
    subject: str,
    body_text: str,
    body_html: str | None,
    message_id: str,
) -> EmailMessage:
    """A message with the text, and the HTML as its alternative when there is one."""
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = to
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    # The same id on every attempt: a message a retry sends twice is one message to
    # mail clients that de-duplicate.
    message["Message-ID"] = message_id
    message.set_content(body_text)
    if body_html:
        message.add_alternative(body_html, subtype="html")
    return message


def _answer(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()


def classify_smtp_error(exc: Exception) -> MailError:
    """smtplib's (and the socket's) exceptions as transient or permanent."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        answers = {addr: _answer(code, text) for addr, (code, text) in exc.recipients.items()}
        detail = "; ".join(f"{addr}: {answer}" for addr, answer in answers.items())
        codes = [code for code, _ in exc.recipients.values()]
        if codes and all(code >= 500 for code in codes):
            return PermanentMailError(f"recipients refused: {detail}")
        return TransientMailError(f"recipients refused for now: {detail}")
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        # A wrong SMTP_PASSWORD is fixed by an admin; the messages wait for it.
        return TransientMailError(f"SMTP login refused: {_answer(exc.smtp_code, exc.smtp_error)}")
    if isinstance(exc, smtplib.SMTPResponseException):
        answer = _answer(exc.smtp_code, exc.smtp_error)
        if 500 <= exc.smtp_code < 600:
            return PermanentMailError(f"SMTP server refused the message: {answer}")
        return TransientMailError(f"SMTP server answered: {answer}")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return TransientMailError(f"SMTP server does not support what is needed: {exc}")
    # Refused or reset connections, timeouts, DNS failures, TLS errors, a server that hung
    # up (SMTPServerDisconnected): all worth another try.
    return TransientMailError(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)


class SmtpMailer:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        user: str | None = None,
        password: str | None = None,
        security: str = "starttls",
        timeout: float = 30,
    ):
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.security = security
        self.timeout = timeout

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        return smtp

    def send(self, message: EmailMessage) -> dict[str, str]:
        try:
            with self._connect() as smtp:
                if self.user:
                    smtp.login(self.user, self.password or "")
                refused = smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise classify_smtp_error(exc) from exc
        return {addr: _answer(code, text) for addr, (code, text) in refused.items()}


class FileMailer:
    """Development without an SMTP server: each message is written to a .eml file."""

    def __init__(self, folder: Path):
        self.folder = folder

    def send(self, message: EmailMessage) -> dict[str, str]:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = message["Message-ID"].strip("<>").replace("@", "_").replace("/", "_")
        (self.folder / f"{name}.eml").write_bytes(message.as_bytes())
        return {}


class UnconfiguredMailer:
    """No SMTP server set outside development: messages wait (and are retried) until
    SMTP_HOST is set, instead of being lost or failed at once."""

    def send(self, message: EmailMessage) -> dict[str, str]:
        raise TransientMailError("no SMTP server configured: set SMTP_HOST (and SMTP_PORT ...)")


def make_mailer(settings: Settings) -> Mailer:
    if settings.smtp_host:
        return SmtpMailer(
            settings.smtp_host,
            settings.smtp_port,
            user=settings.smtp_user,
            password=settings.smtp_password,
            security=settings.smtp_security,
            timeout=settings.smtp_timeout_seconds,
        )
    if settings.is_development:
        return FileMailer(settings.instance_path / "mail")
    return UnconfiguredMailer()


def current_mailer() -> Mailer:
    return current_app.extensions["voiceapp.mailer"]
