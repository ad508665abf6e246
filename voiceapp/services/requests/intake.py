"""A new request from the public form (/r/<slug>), a website's own form (POST
/api/requests) or the panel. The requester becomes a contact: the one with this phone
number, else the one with this e-mail address, else a new shared contact (as for an
unknown caller). The caller has checked the spam defences; this checks the content."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from voiceapp.domain.phones import try_normalize_phone
from voiceapp.domain.requests import (
    DOSSIER,
    MESSAGE_MAX,
    NAME_MAX,
    NEW,
    PAYMENT_METHODS,
    RequestError,
    kind_for,
)
from voiceapp.models import Contact, ContactEmail, Product, Request, RequestForm, User
from voiceapp.services import contacts as contact_ops
from voiceapp.services.requests.activity import record


def new_access_key() -> str:
    return secrets.token_urlsafe(24)


def form_products(db: Session, form: RequestForm | None) -> list[Product]:
    """The active products a form offers (all active ones when it names none)."""
    query = select(Product).where(Product.active).order_by(Product.name)
    if form is not None and form.product_ids:
        query = query.where(Product.id.in_(form.product_ids))
    return list(db.scalars(query))


def plan_choices(product: Product) -> list[tuple[int, dict]]:
    return list(enumerate(product.plans or []))


def _product_and_plan(
    db: Session, form: RequestForm | None, product_id: int | None, plan_index: int | None
) -> tuple[Product | None, dict | None]:
    if product_id is None:
        if plan_index is not None:
            raise RequestError("plan", "a plan belongs to a product: choose the product too")
        return None, None
    offered = {p.id: p for p in form_products(db, form)}
    product = offered.get(product_id)
    if product is None:
        raise RequestError("product_id", "no product with this id is offered")
    plans = product.plans or []
    if plan_index is None:
        return product, (plans[0] if len(plans) == 1 else None)
    if not 0 <= plan_index < len(plans):
        raise RequestError("plan", f"this product has {len(plans)} plan(s): 0 to {len(plans) - 1}")
    return product, plans[plan_index]


def _clean(data: dict, default_region: str) -> dict:
    name = (data.get("name") or "").strip()
    if not name:
        raise RequestError("name", "please give your name")
    if len(name) > NAME_MAX:
        raise RequestError("name", f"at most {NAME_MAX} characters")
    email = (data.get("email") or "").strip().lower() or None
    if email is not None and ("@" not in email or len(email) > 254 or " " in email):
        raise RequestError("email", "not an e-mail address")
    phone = None
    if (data.get("phone") or "").strip():
        phone = try_normalize_phone(data["phone"].strip(), default_region)
        if phone is None:
            raise RequestError("phone", "not a phone number we can call")
    if email is None and phone is None:
        raise RequestError("email", "please give an e-mail address or a phone number")
    message = (data.get("message") or "").strip() or None
    if message is not None and len(message) > MESSAGE_MAX:
        raise RequestError("message", f"at most {MESSAGE_MAX} characters")
    language = (data.get("language") or "").strip().lower() or None
    if language is not None and not (len(language) == 2 and language.isalpha()):
        raise RequestError("language", "a two-letter language code such as de or en")
    method = data.get("payment_method") or None
    if method is not None and method not in PAYMENT_METHODS:
        raise RequestError("payment_method", f"one of: {', '.join(PAYMENT_METHODS)}")
    return {
        "name": name,
        "email": email,
        "phone": phone,
        "message": message,
        "language": language,
        "payment_method": method,
    }


def _split_name(name: str) -> tuple[str | None, str]:
    first, _, last = name.rpartition(" ")
    return (first or None), last


def requester_contact(
    db: Session,
    *,
    name: str,
    email: str | None,
    phone: str | None,
    language: str | None,
    now: datetime,
) -> Contact:
    """Matched by phone, then e-mail; else created, shared with the team (as an unknown
    caller is); what the contact lacks (an e-mail, a number) is added to it."""
    contact = None
    if phone is not None:
        found = contact_ops.find_by_phone(db, phone)
        contact = found[0] if found else None
    if contact is None and email is not None:
        contact = db.scalar(
            select(Contact)
            .join(ContactEmail)
            .where(ContactEmail.email == email)
            .order_by(Contact.id)
            .limit(1)
        )
    if contact is None:
        first, last = _split_name(name)
        return contact_ops.create_contact(
            db,
            {
                "first_name": first,
                "last_name": last,
                "phones": [{"number": phone, "kind": "mobile"}] if phone else [],
                "emails": [email] if email else [],
                "language": language,
                "visibility": "shared_write",
                "owner_id": None,
            },
            actor=None,
            now=now,
        )
    added: dict = {}
    if email is not None and email not in {e.email for e in contact.emails}:
        added["emails"] = [e.email for e in contact.emails] + [email]
    if phone is not None and phone not in {p.number for p in contact.phones}:
        added["phones"] = [{"number": p.number, "kind": p.kind} for p in contact.phones] + [
            {"number": phone, "kind": "mobile"}
        ]
    if added:
        contact_ops.update_contact(db, contact, added, actor=None, now=now)
    return contact


def create_request(
    db: Session,
    data: dict,
    *,
    source: str,
    now: datetime,
    default_region: str,
    form: RequestForm | None = None,
    actor: User | None = None,
    ip_address: str | None = None,
) -> Request:
    """Check `data` (name, email, phone, language, message, product_id, plan index,
    payment_method) and store the request; RequestError before anything is written."""
    clean = _clean(data, default_region)
    product, plan = _product_and_plan(db, form, data.get("product_id"), data.get("plan"))
    contact = requester_contact(
        db,
        name=clean["name"],
        email=clean["email"],
        phone=clean["phone"],
        language=clean["language"],
        now=now,
    )
    kind = kind_for(product.id if product else None)
    req = Request(
        kind=kind,
        status="pending",
        stage=NEW if kind == DOSSIER else None,
        contact_id=contact.id,
        form_id=form.id if form else None,
        source=source,
        product_id=product.id if product else None,
        plan=plan,
        price=None if product is None or product.on_request else product.price,
        currency=product.currency if product else None,
        access_key=new_access_key(),
        ip_address=ip_address,
        created_at=now,
        updated_at=now,
        **clean,
    )
    db.add(req)
    db.flush()
    where = {
        "form": f"the form {form.slug!r}" if form else "a form",
        "api": "the API",
        "panel": "the panel",
    }.get(source, source)
    record(
        db,
        req,
        "created",
        f"Request received through {where}",
        actor_id=actor.id if actor else None,
        at=now,
        data={"source": source},
    )
    contact_ops.add_event(
        db,
        contact,
        kind="request_received",
        summary=f"Request #{req.id} received",
        now=now,
        actor=actor,
        ref_type="request",
        ref_id=str(req.id),
    )
    return req
