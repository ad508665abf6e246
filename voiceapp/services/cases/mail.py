"""The optional e-mail to the customer after a call (seed 000): a template with
`{$variables}` filled from the case, an optional copy to the sales managers, sent by a job.

Prepared (and refused with a field error) before the outcome changes anything; queued
with the outcome, in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from voiceapp.domain.email_templates import render
from voiceapp.models import Case, PhoneNumber, User
from voiceapp.services.cases.history import CaseError, add_history, case_type_labels
from voiceapp.services.emails import queue_email, template_by_key


@dataclass(frozen=True)
class PreparedEmail:
    to: str
    cc: list[str]
    subject: str
    body_text: str
    body_html: str | None
    template_key: str


def template_values(db: Session, case: Case, agent: User) -> dict[str, str | None]:
    contact = case.contact
    team_phone = db.scalar(select(PhoneNumber.number).order_by(PhoneNumber.id).limit(1))
    return {
        "name": contact.display_name,
        "first_name": contact.first_name or contact.display_name,
        "last_name": contact.last_name,
        "agent_name": agent.name,
        "case_type": case_type_labels(db).get(case.type, case.type),
        "order_number": case.order.number if case.order is not None else None,
        # The phone-orders issue adds the payment URL of an order.
        "payment_url": None,
        "team_phone": team_phone,
    }


def manager_addresses(db: Session, *, exclude: str | None = None) -> list[str]:
    """The copy to "the sales manager": every active sales manager of the team."""
    addresses = db.scalars(
        select(User.email).where(User.active, User.role == "sales_manager").order_by(User.id)
    )
    return [a for a in addresses if a != exclude]


def prepare_outcome_email(
    db: Session, case: Case, agent: User, template_key: str, copy_to_manager: bool
) -> PreparedEmail:
    template = template_by_key(db, template_key)
    if template is None:
        raise CaseError("email.template", f"no active e-mail template {template_key!r}")
    usable = [e.email for e in case.contact.emails]
    if not usable:
        raise CaseError("email.template", "the contact has no e-mail address")
    values = template_values(db, case, agent)
    return PreparedEmail(
        to=usable[0],
        cc=manager_addresses(db, exclude=usable[0]) if copy_to_manager else [],
        subject=render(template.subject, values),
        body_text=render(template.body_text, values),
        body_html=render(template.body_html, values, html=True) if template.body_html else None,
        template_key=template.key,
    )


def queue_outcome_email(
    db: Session, case: Case, agent: User, email: PreparedEmail, *, now: datetime
) -> None:
    row = queue_email(
        db,
        to=email.to,
        cc=email.cc,
        subject=email.subject,
        body_text=email.body_text,
        body_html=email.body_html,
        case_id=case.id,
        purpose="outcome",
        now=now,
    )
    copy = f" (copy to {', '.join(email.cc)})" if email.cc else ""
    add_history(
        db,
        case,
        "email_queued",
        f"E-mail {email.template_key!r} to {email.to}{copy}",
        now=now,
        actor=agent,
        data={"email_id": row.id, "template": email.template_key},
    )
