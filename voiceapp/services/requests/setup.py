"""The team's request settings: public request forms (admins) and labels (managers and
admins)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voiceapp.domain.requests import (
    FORM_INTRO_MAX,
    FORM_TITLE_MAX,
    LABEL_COLOURS,
    LABEL_NAME_MAX,
    RequestError,
    clean_slug,
)
from voiceapp.models import Product, RequestForm, RequestLabel

DEFAULT_FORM_SLUG = "contact"


def all_forms(db: Session) -> list[RequestForm]:
    return list(db.scalars(select(RequestForm).order_by(RequestForm.slug)))


def get_form(db: Session, form_id: int) -> RequestForm | None:
    return db.get(RequestForm, form_id)


def active_form(db: Session, slug: str) -> RequestForm | None:
    if len(slug) > 60:
        return None
    return db.scalar(
        select(RequestForm).where(RequestForm.slug == slug.lower(), RequestForm.active)
    )


def _form_fields(db: Session, form: RequestForm | None, data: dict) -> dict:
    slug = clean_slug(data.get("slug"))
    taken = db.scalar(
        select(RequestForm.id).where(
            RequestForm.slug == slug, RequestForm.id != (form.id if form else -1)
        )
    )
    if taken is not None:
        raise RequestError("slug", "another form has this address")
    title = (data.get("title") or "").strip()
    if not title:
        raise RequestError("title", "a form needs a title")
    if len(title) > FORM_TITLE_MAX:
        raise RequestError("title", f"at most {FORM_TITLE_MAX} characters")
    intro = (data.get("intro") or "").strip() or None
    if intro and len(intro) > FORM_INTRO_MAX:
        raise RequestError("intro", f"at most {FORM_INTRO_MAX} characters")
    ids = sorted({int(i) for i in data.get("product_ids") or []})
    if ids:
        known = set(db.scalars(select(Product.id).where(Product.id.in_(ids))))
        if known != set(ids):
            raise RequestError("product_ids", "no product with some of these ids")
    return {
        "slug": slug,
        "title": title,
        "intro": intro,
        "product_ids": ids or None,
        "active": bool(data.get("active", True)),
    }


def save_form(db: Session, form: RequestForm | None, data: dict) -> RequestForm:
    fields = _form_fields(db, form, data)
    if form is None:
        form = RequestForm(**fields)
        db.add(form)
    else:
        for name, value in fields.items():
            setattr(form, name, value)
    db.flush()
    return form


def ensure_default_form(db: Session) -> RequestForm | None:
    """The demo's form (/r/contact), added once when there is no form at all."""
    if db.scalar(select(func.count()).select_from(RequestForm)):
        return None
    return save_form(
        db,
        None,
        {
            "slug": DEFAULT_FORM_SLUG,
            "title": "Ask us anything",
            "intro": "Tell us what you need: we answer by e-mail, usually the same day.",
            "active": True,
        },
    )


def get_label(db: Session, label_id: int) -> RequestLabel | None:
    return db.get(RequestLabel, label_id)


def save_label(db: Session, label: RequestLabel | None, name: str | None, color: str | None):
    text = (name or "").strip()
    if not text:
        raise RequestError("name", "a label needs a name")
    if len(text) > LABEL_NAME_MAX:
        raise RequestError("name", f"at most {LABEL_NAME_MAX} characters")
    taken = db.scalar(
        select(RequestLabel.id).where(
            func.lower(RequestLabel.name) == text.lower(),
            RequestLabel.id != (label.id if label else -1),
        )
    )
    if taken is not None:
        raise RequestError("name", "there is a label with this name already")
    colour = (color or "slate").strip()
    if colour not in LABEL_COLOURS:
        raise RequestError("color", f"one of: {', '.join(LABEL_COLOURS)}")
    if label is None:
        label = RequestLabel(name=text, color=colour)
        db.add(label)
    else:
        label.name, label.color = text, colour
    db.flush()
    return label


def delete_label(db: Session, label: RequestLabel) -> None:
    """Taken off every request that has it (the log keeps its name where it was set)."""
    db.delete(label)
    db.flush()
