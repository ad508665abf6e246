"""Panel pages for taking phone orders: the Orders list, the order form ("Order now"), the
agent's payment screen with the URL and code to read aloud, and the small JSON status it
polls to turn green without a reload.

The order page itself (GET /orders/<id>) is web/order_page.py's.

Why polling and not server-sent events: gunicorn runs a few workers of a few threads
each (Procfile), and an event stream holds one of them for as long as the screen is
open, so a handful of agents waiting for payments would leave no thread for anybody
else. A poll every 2 seconds is one primary-key read answered at once, works behind any
proxy or load balancer, and needs nothing shared between the web processes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from marshmallow import ValidationError

from voiceapp import db
from voiceapp.db import utcnow
from voiceapp.domain.languages import LANGUAGE_NAMES
from voiceapp.domain.payment_code import PAUSE, format_code, spell, spelling_alphabet
from voiceapp.domain.products import describe_plan
from voiceapp.schemas.orders import OrderListArgsSchema
from voiceapp.services import cases, orders
from voiceapp.services.contacts import contacts_by_id, visible_contact
from voiceapp.services.orders import listing, pay_page
from voiceapp.services.orders.payments import due_now, order_schedule
from voiceapp.web import order_form
from voiceapp.web.forms import flatten_errors
from voiceapp.web.paging import page_count, requested_page

if TYPE_CHECKING:
    from voiceapp.models import Case, Contact, Order

bp = Blueprint("orders", __name__, url_prefix="/orders")
bp.before_request(login_required(lambda: None))
PER_PAGE = 50
PHONE = "phone"
SCHEDULE_SHOWN = 4


def _visible_or_404(order_id: int) -> Order:
    order = orders.visible_order(db.session(), current_user, order_id)
    if order is None:
        abort(404)
    return order


def payment_url(order: Order) -> str | None:
    """PUBLIC_BASE_URL/p/XXXX-XXXX-C, or this request's host when it is not set."""
    base = current_app.config["VOICEAPP"].public_base_url or request.host_url
    return orders.payment_url(order, base)


def thanks_url(order: Order) -> str | None:
    """The pay page's thank-you page, read to the customer once they have paid."""
    base = current_app.config["VOICEAPP"].public_base_url or request.host_url
    return pay_page.thank_you_url(order, base)


def customer_name(order: Order, contacts: dict) -> str:
    """The buyer as the order was taken (company, or first and last name); an order
    without a buyer's name shows its contact's."""
    person = " ".join(filter(None, [order.buyer_first_name, order.buyer_last_name]))
    name = ", ".join(filter(None, [order.buyer_company, person]))
    contact = contacts.get(order.contact_id)
    return name or (contact.display_name if contact else "")


@bp.get("")
def index():
    dbs = db.session()
    query = {k: v for k, v in request.args.items() if v and k != "page"}
    problems: dict = {}
    try:
        filters = OrderListArgsSchema().load({k: query[k] for k in query if k != "per_page"})
    except ValidationError as exc:
        problems, filters = flatten_errors(exc.messages), {}
    filters.pop("per_page", None)
    filters.pop("page", None)
    page = requested_page()
    items, total = listing.list_orders(dbs, current_user, filters, page=page, per_page=PER_PAGE)
    return render_template(
        "orders/list.html",
        orders=items,
        total=total,
        page=page,
        pages=page_count(total, PER_PAGE),
        query=query,
        problems=problems,
        statuses=listing.ORDER_STATUSES,
        contacts=contacts_by_id(dbs, (o.contact_id for o in items)),
        customer_name=customer_name,
    )


# --- the order form ------------------------------------------------------------------------


def _number(name: str) -> int | None:
    text = (request.values.get(name) or "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= 10):
        abort(404)
    return int(text)


def _customer() -> tuple[Contact, Case | None, Order | None, list[str]]:
    """Whom the order is for: the case's contact (?case_id=), a contact (?contact_id=),
    or the contact of an earlier order (?from_order=, an id or a number), each only
    when the member may see it (404 otherwise, as for a case or contact). With a case
    or contact given, an earlier order typed in that cannot be copied is said instead
    (and the notes say why)."""
    dbs = db.session()
    case_id, contact_id = _number("case_id"), _number("contact_id")
    case = cases.visible_case(dbs, current_user, case_id) if case_id else None
    if case_id and case is None:
        abort(404)
    contact_id = case.contact_id if case else contact_id
    wanted = request.args.get("from_order", "").strip() if request.method == "GET" else ""
    earlier = listing.find_visible_order(dbs, current_user, wanted) if wanted else None
    notes = []
    if wanted and contact_id is None and earlier is not None:
        contact_id = earlier.contact_id
    elif wanted and earlier is None:
        notes.append(f"No order {wanted} that you may see: nothing copied.")
    elif earlier is not None and earlier.contact_id != contact_id:
        notes.append(f"Order {earlier.number} is another customer's: nothing copied.")
        earlier = None
    contact = visible_contact(dbs, current_user, contact_id) if contact_id else None
    if contact is None:
        abort(404)
    return contact, case, earlier, notes


def _render_form(contact, case, products, values, errors, notes=(), status=200):
    # Errors of fields the page shows appear beside them; the others on top.
    shown = {
        "main_product",
        "main_quantity",
        "plan",
        "items",
        "source",
        "tag",
        *(["affiliate"] if current_user.can_set_affiliates else []),
        *order_form.BUYER_FIELDS,
        *(
            f"extra-{n}-{what}"
            for n in range(order_form.row_count(values))
            for what in ("product", "quantity")
        ),
    }
    return render_template(
        "orders/new.html",
        contact=contact,
        case=case,
        products=products,
        values=values,
        errors=errors,
        general={k: v for k, v in errors.items() if k not in shown},
        notes=notes,
        rows=order_form.row_count(values),
        languages=_languages(values.get("language")),
        describe_plan=describe_plan,
        plan_value=order_form.plan_value,
        may_set_affiliate=current_user.can_set_affiliates,
    ), status


def _languages(current: str | None) -> dict[str, str]:
    names = dict(LANGUAGE_NAMES)
    if current and current not in names:
        names[current] = current
    return names


@bp.route("/new", methods=["GET", "POST"])
def new():
    dbs = db.session()
    contact, case, earlier, notes = _customer()
    # An on-request product is sold from its request once a quote is accepted.
    products = [p for p in orders.list_products(dbs, active_only=True) if not p.on_request]
    by_id = {p.id: p for p in products}
    if request.method == "GET":
        if earlier is not None:
            values, left_out = order_form.values_from_order(
                earlier, by_id, current_user, case_id=case.id if case else None
            )
            notes += [f"{name} is no longer on sale: not copied." for name in left_out]
        else:
            values = order_form.blank_values(
                contact, case_id=case.id if case else None, language=case and case.language
            )
        return _render_form(contact, case, products, values, {}, notes)
    data, errors, rows = order_form.form_to_input(request.form, by_id)
    status = 422
    if data is not None:
        try:
            order = orders.create_order(dbs, data, seller=current_user, now=utcnow(), channel=PHONE)
        except orders.OrderError as exc:
            errors = order_form.field_errors(exc.errors, rows)
        except orders.OrderForbidden as exc:
            errors, status = {"affiliate": [str(exc)]}, 403
    if errors:
        dbs.rollback()
        flash("No order was taken: please correct the marked fields.", "error")
        return _render_form(contact, case, products, request.form, errors, status=status)
    dbs.commit()
    flash(f"Order {order.number} taken: read the payment address to the customer.", "success")
    return redirect(url_for("orders.taken", order_id=order.id))


# --- the agent's payment screen ------------------------------------------------------------


def status_of(order: Order) -> dict:
    return {
        "status": order.status,
        "paid_at": order.paid_at.isoformat() if order.paid_at else None,
        "thanks_url": thanks_url(order) if order.status == "paid" else None,
        "cancel_reason": order.cancel_reason,
    }


@bp.get("/<int:order_id>/taken")
def taken(order_id: int):
    order = _visible_or_404(order_id)
    german = spelling_alphabet(order.buyer_language) is spelling_alphabet("de")
    return render_template(
        "orders/taken.html",
        order=order,
        url=payment_url(order),
        state=status_of(order),
        groups=readout(order.payment_code, order.buyer_language) if order.payment_code else [],
        alphabet="German spelling alphabet, DIN 5009" if german else "ICAO spelling alphabet",
        due=due_now(db.session(), order),
        plan=describe_plan(order.plan, order.currency),
        # The payments as the customer makes them (the plan scaled to this order's
        # total); a subscription's next few periods.
        schedule=order_schedule(db.session(), order, horizon=SCHEDULE_SHOWN),
        schedule_shown=SCHEDULE_SHOWN,
    )


def readout(code: str, language: str | None) -> list[list[tuple[str, str]]]:
    """The code's groups, each a list of (symbol, word to say): read group by group,
    with a pause between them."""
    words = iter(word for word in spell(code, language) if word != PAUSE)
    return [[(symbol, next(words)) for symbol in group] for group in format_code(code).split("-")]


@bp.get("/<int:order_id>/status")
def status(order_id: int):
    """{"status", "paid_at", "thanks_url", "cancel_reason"}: what the payment screen
    polls every 2 seconds while the order is pending."""
    return jsonify(status_of(_visible_or_404(order_id)))
