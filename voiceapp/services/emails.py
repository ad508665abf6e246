"""E-mails waiting to go out: one OutgoingEmail row per message, written in the
transaction that wants it sent, and a job (through the outbox) that sends it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from voiceapp.domain.email_templates import DEFAULT_TEMPLATES
from voiceapp.models import EmailTemplate, OutgoingEmail
from voiceapp.services.outbox import add_job

SEND_JOB = "workers.email.send_email"


def send_job_id(email_id: int) -> str:
    return f"send-email-{email_id}"


def queue_email(
    db: Session,
    *,
    to: str,
    subject: str,
    body_text: str,
    body_html: str | None = None,
    cc: list[str] | None = None,
    case_id: int | None = None,
    purpose: str,
    now: datetime,
) -> OutgoingEmail:
    email = OutgoingEmail(
        to_address=to,
        cc=list(cc or []),
        subject=subject[:300],
        body_text=body_text,
        body_html=body_html,
        case_id=case_id,
        purpose=purpose,
        created_at=now,
    )
    db.add(email)
    db.flush()
    add_job(db, SEND_JOB, email.id, job_id=send_job_id(email.id))
    return email


def ensure_default_templates(db: Session) -> None:
    """The shipped templates, added once; an admin's edits are never overwritten."""
    present = set(db.scalars(select(EmailTemplate.key)))
    for template in DEFAULT_TEMPLATES:
        if template["key"] in present:
            continue
        try:
            with db.begin_nested():
                db.add(EmailTemplate(**template))
        except IntegrityError:  # added by a concurrent request
            pass


def active_templates(db: Session) -> list[EmailTemplate]:
    """The templates to offer: the stored active ones, and the shipped ones not stored yet
    (shown, not written: the case page is a GET, and sending one stores it first)."""
    stored = list(db.scalars(select(EmailTemplate)))
    keys = {t.key for t in stored}
    shipped = [EmailTemplate(**t, active=True) for t in DEFAULT_TEMPLATES if t["key"] not in keys]
    return sorted([t for t in stored if t.active] + shipped, key=lambda t: t.name)


def template_by_key(db: Session, key: str) -> EmailTemplate | None:
    ensure_default_templates(db)
    return db.scalar(select(EmailTemplate).where(EmailTemplate.key == key, EmailTemplate.active))


class TemplateError(ValueError):
    """A user-facing reason a template change was refused."""


TEMPLATE_FIELDS = ("name", "subject", "body_text", "body_html", "active")


def all_templates(db: Session) -> list[EmailTemplate]:
    return list(db.scalars(select(EmailTemplate).order_by(EmailTemplate.name)))


def get_template(db: Session, template_id: int) -> EmailTemplate | None:
    return db.get(EmailTemplate, template_id)


def create_template(db: Session, *, key: str, **fields) -> EmailTemplate:
    """A new template; its key must be free (the API names templates by key)."""
    if db.scalar(select(EmailTemplate.id).where(EmailTemplate.key == key)):
        raise TemplateError("another template has this key")
    template = EmailTemplate(key=key)
    update_template(template, **fields)
    db.add(template)
    db.flush()
    return template


def update_template(template: EmailTemplate, **fields) -> None:
    """Placeholders are checked by the caller's form (domain.email_templates)."""
    for name, value in fields.items():
        if name not in TEMPLATE_FIELDS:
            raise ValueError(f"not a template field: {name}")
        setattr(template, name, value)
    template.body_html = template.body_html or None
