"""The order page (seed 002): GET /orders/<id> shows the order, its customer, money,
schedule, payments and tabs (history, tasks, the customer's orders, calls about them);
its forms POST one action each, flash what happened (or why nothing did) and come back.

Who sees it: services.orders.visible_order (404 otherwise). Who acts:
domain.order_rights (managers and admins the money and status; agents notes, and
cancelling an unpaid order they sold): 403 otherwise, nothing changed.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import Schema, ValidationError

from voiceapp import db
from voiceapp.db import utcnow
from voiceapp.domain import order_rights
from voiceapp.domain.money import UnknownCurrency, round_money
from voiceapp.domain.order_rights import MANUAL_METHODS
from voiceapp.domain.products import describe_plan
from voiceapp.schemas import order_page as forms
from voiceapp.schemas.fields import Moment
from voiceapp.services.cases.history import case_type_labels, team_zone
from voiceapp.services.contacts import visible_contact
from voiceapp.services.orders import actions, page, visible_order
from voiceapp.services.orders.payments import METHOD_LABELS, PaymentError

if TYPE_CHECKING:
    from voiceapp.models import Order

bp = Blueprint("order_page", __name__, url_prefix="/orders")
bp.before_request(login_required(lambda: None))
TABS = (
    ("history", "History"),
    ("tasks", "Tasks"),
    ("orders", "All orders of the customer"),
    ("calls", "Calls about orders"),
)
REFUSED = (PaymentError, actions.OrderActionError)


@bp.app_template_filter("order_amount")
def order_amount(amount: Decimal, currency: str) -> str:
    """An amount in its currency's minor unit, exactly (no float on the way): 119.00 EUR,
    4990 JPY."""
    try:
        return str(round_money(Decimal(amount), currency))
    except UnknownCurrency:
        return str(amount)


@bp.get("/<int:order_id>")
def show(order_id: int):
    dbs = db.session()
    now = utcnow()
    view = page.order_page(dbs, current_user, order_id, now=now)
    if view is None:
        abort(404)
    tab = request.args.get("tab", "history")
    return render_template(
        "orders/page.html",
        view=view,
        order=view.order,
        allowed=view.allowed,
        tabs=TABS,
        tab=tab if tab in dict(TABS) else "history",
        now=now,
        team_zone=team_zone(dbs),
        case_labels=case_type_labels(dbs),
        method_labels=METHOD_LABELS,
        plan_text=describe_plan(view.order.plan or {"kind": "single"}),
        manual_methods=[(m, METHOD_LABELS[m]) for m in MANUAL_METHODS],
    )


def _order_for(order_id: int, action: str) -> Order:
    """The order, when the member sees it (404) and may do `action` on it (403)."""
    order = visible_order(db.session(), current_user, order_id)
    if order is None:
        abort(404)
    if not order_rights.may(current_user.role, action, sold_it=order.seller_id == current_user.id):
        abort(403)
    return order


def _form(schema: Schema) -> dict:
    """The posted form through `schema`, blank fields left out; ValidationError."""
    raw = {k: v.strip() for k, v in request.form.items() if v.strip()}
    return schema.load(raw)


def _back(order_id: int, anchor: str | None = None):
    return redirect(url_for("order_page.show", order_id=order_id, _anchor=anchor))


def _refused(order_id: int, exc: Exception):
    """Nothing changed: roll back and say why."""
    db.session().rollback()
    if isinstance(exc, ValidationError):
        message = "; ".join(
            f"{name.replace('_', ' ')}: {' '.join(map(str, texts))}"
            for name, texts in exc.normalized_messages().items()
        )
    else:
        message = str(exc)
    flash(f"Nothing was changed: {message}.", "error")
    return _back(order_id)


def _done(order_id: int, message: str, anchor: str | None = None):
    db.session().commit()
    flash(message, "success")
    return _back(order_id, anchor)


@bp.post("/<int:order_id>/confirm")
def confirm(order_id: int):
    _order_for(order_id, order_rights.CONFIRM)
    try:
        actions.confirm(db.session(), order_id, actor=current_user, now=utcnow())
    except REFUSED as exc:
        return _refused(order_id, exc)
    return _done(order_id, "Order confirmed: it still waits for its payment until paid.")


@bp.post("/<int:order_id>/cancel")
def cancel(order_id: int):
    _order_for(order_id, order_rights.CANCEL)
    try:
        data = _form(forms.CancelFormSchema())
        page.cancel_order(
            db.session(), order_id, reason=data["reason"], actor=current_user, now=utcnow()
        )
    except (ValidationError, *REFUSED) as exc:
        return _refused(order_id, exc)
    return _done(order_id, "Order cancelled.")


@bp.post("/<int:order_id>/refund")
def refund(order_id: int):
    order = _order_for(order_id, order_rights.REFUND)
    try:
        data = _form(forms.RefundFormSchema())
        payment = page.refund_order(
            db.session(),
            order_id,
            amount=data["amount"],
            reason=data["reason"],
            actor=current_user,
            now=utcnow(),
        )
    except (ValidationError, *REFUSED) as exc:
        return _refused(order_id, exc)
    return _done(order_id, f"{payment.amount} {order.currency} refunded.", "payments")


@bp.post("/<int:order_id>/delete")
def delete(order_id: int):
    order = _order_for(order_id, order_rights.DELETE)
    number, contact_id = order.number, order.contact_id
    dbs = db.session()
    try:
        actions.delete(dbs, order_id, actor=current_user, now=utcnow())
    except REFUSED as exc:
        return _refused(order_id, exc)
    dbs.commit()
    flash(f"Order {number} deleted.", "success")
    if visible_contact(dbs, current_user, contact_id) is not None:
        return redirect(url_for("contacts.show", contact_id=contact_id))
    return redirect(url_for("home.index"))


@bp.post("/<int:order_id>/payments")
def record_payment(order_id: int):
    order = _order_for(order_id, order_rights.RECORD_PAYMENT)
    was = order.status
    try:
        data = _form(forms.PaymentFormSchema())
        payment = page.record_manual_payment(
            db.session(),
            order_id,
            amount=data["amount"],
            method=data["method"],
            reference=data["reference"],
            actor=current_user,
            now=utcnow(),
        )
    except (ValidationError, *REFUSED) as exc:
        return _refused(order_id, exc)
    message = f"{payment.amount} {order.currency} recorded."
    if order.status != was:
        message += f" The order is {order.status}."
    return _done(order_id, message, "payments")


@bp.post("/<int:order_id>/payments/received")
def payment_received(order_id: int):
    order = _order_for(order_id, order_rights.MARK_RECEIVED)
    try:
        data = _form(forms.PaymentIdSchema())
        payment = page.mark_received(
            db.session(), order_id, data["payment_id"], actor=current_user, now=utcnow()
        )
    except (ValidationError, *REFUSED) as exc:
        return _refused(order_id, exc)
    return _done(order_id, f"{payment.amount} {order.currency} received.", "payments")


@bp.post("/<int:order_id>/auto-cancel")
def auto_cancel(order_id: int):
    _order_for(order_id, order_rights.AUTO_CANCEL)
    dbs = db.session()
    off = request.form.get("off") == "1"
    try:
        at = None if off else _moment(request.form.get("auto_cancel_at", ""), team_zone(dbs))
        actions.set_auto_cancel(dbs, order_id, at, actor=current_user, now=utcnow())
    except (ValidationError, *REFUSED) as exc:
        return _refused(order_id, exc)
    if off:
        return _done(order_id, "Auto-cancel switched off: the order waits until paid or cancelled.")
    return _done(order_id, "Auto-cancel date moved.")


def _moment(text: str, zone: str) -> datetime:
    """A datetime-local value ("2026-11-24T15:30", the team's zone) in UTC."""
    text = text.strip()
    if not text:
        raise ValidationError({"auto_cancel_at": ["choose a date and time"]})
    try:
        local = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError({"auto_cancel_at": ["not a date and time"]}) from None
    if local.tzinfo is None:
        local = local.replace(tzinfo=ZoneInfo(zone))
    try:
        return Moment().deserialize(local.isoformat())
    except ValidationError as exc:
        raise ValidationError({"auto_cancel_at": exc.messages}) from None


@bp.post("/<int:order_id>/auto-payments")
def auto_payments(order_id: int):
    order = _order_for(order_id, order_rights.AUTO_PAYMENTS)
    enabled = request.form.get("enabled") == "1"
    actions.set_auto_payments(db.session(), order, enabled, actor=current_user, now=utcnow())
    if enabled:
        return _done(order_id, "Automatic payments are on for this customer.", "schedule")
    return _done(order_id, "Automatic payments are off for this customer.", "schedule")


@bp.post("/<int:order_id>/notes")
def add_note(order_id: int):
    order = _order_for(order_id, order_rights.ADD_NOTE)
    try:
        data = _form(forms.NoteFormSchema())
        page.add_customer_note(db.session(), order, data["text"], actor=current_user, now=utcnow())
    except (ValidationError, *REFUSED) as exc:
        return _refused(order_id, exc)
    return _done(order_id, "Note added: it shows on all of this customer's orders.", "notes")


@bp.post("/<int:order_id>/notes/delete")
def delete_note(order_id: int):
    order = visible_order(db.session(), current_user, order_id)
    if order is None:
        abort(404)
    try:
        data = _form(forms.NoteIdSchema())
        deleted = page.delete_customer_note(
            db.session(), order, data["note_id"], actor=current_user, now=utcnow()
        )
    except ValidationError as exc:
        return _refused(order_id, exc)
    except page.NotAllowed:
        db.session().rollback()
        abort(403)
    if not deleted:
        db.session().rollback()
        flash("That note is gone already.", "error")
        return _back(order_id, "notes")
    return _done(order_id, "Note deleted.", "notes")
