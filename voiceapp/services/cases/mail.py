"""The optional e-mail to the customer after a call (seed 000): a template with
`{$variables}` filled from the case, an optional copy to the sales managers, sent by a job.

Prepared (and refused with a field error) before the outcome changes anything; queued
with the outcome, in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app, has_app_context, has_request_context, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from voiceapp.domain.email_templates import render, used_variables
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


# Variables that only an order can fill: a template using them needs a case with one.
ORDER_VARIABLES = ("order_number", "payment_url")


def public_base_url() -> str | None:
    """Where the customer reaches the app: PUBLIC_BASE_URL, or else the host this request
    came to (as the API's payment_url does); None outside a request without the setting."""
    if not has_app_context():
        return None
    base = current_app.config["VOICEAPP"].public_base_url
    if base:
        return base
    return request.host_url if has_request_context() else None


def template_values(db: Session, case: Case, agent: User) -> dict[str, str | None]:
    # Imported here: services.orders imports services.cases (a new order opens a case).
    from voiceapp.services.orders import payment_url

    contact = case.contact
    order = case.order
    team_phone = db.scalar(select(PhoneNumber.number).order_by(PhoneNumber.id).limit(1))
    base = public_base_url()
    return {
        "name": contact.display_name,
        "first_name": contact.first_name or contact.display_name,
        "last_name": contact.last_name,
        "agent_name": agent.name,
        "case_type": case_type_labels(db).get(case.type, case.type),
        "order_number": order.number if order is not None else None,
        "payment_url": payment_url(order, base) if order is not None and base else None,
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
    used = set().union(
        *(used_variables(t) for t in (template.subject, template.body_text, template.body_html))
    )
    needs_order = [f"{{${name}}}" for name in ORDER_VARIABLES if name in used]
    if needs_order and case.order is None:
        raise CaseError(
            "email.template",
            f"the template uses {' and '.join(needs_order)}, but this case has no order",
        )
    values = template_values(db, case, agent)
    if "payment_url" in used and values["payment_url"] is None:
        raise CaseError(
            "email.template",
            "the order's payment URL is not known: it has no payment code, or "
            "PUBLIC_BASE_URL is not set",
        )
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
