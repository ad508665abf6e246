"""The money side of a request in the panel: quotes, the payment link, online payment on
or off, payments recorded by hand, "entered in our system", archiving (after a page that
names what goes), the customer comment for colleagues, the Dossiers view (a tab of the
Requests section: one tab per stage with its count) and the subscriptions.

The request page (web/requests.py) includes requests/_dossier.html and _quotes.html;
what they show comes from `dossier_panel(req)`, a Jinja global, so that page's view
needs to know nothing about money. Every form carries the request's version: an edit
made on an older copy is refused with a flash and changes nothing."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from decimal import Decimal, InvalidOperation

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from voiceapp import db
from voiceapp.db import utcnow
from voiceapp.domain.dossiers import ERASED_ON_ARCHIVE, KEPT_ON_ARCHIVE
from voiceapp.domain.order_rights import MANUAL_METHODS
from voiceapp.domain.products import describe_plan
from voiceapp.domain.requests import STAGE_LABELS, STAGES, SUBSCRIPTION_STATUSES
from voiceapp.domain.roles import is_manager_or_admin
from voiceapp.services.cases.mail import public_base_url
from voiceapp.services.orders import actions as order_actions
from voiceapp.services.orders.manual_payments import PaymentForbidden
from voiceapp.services.orders.orders import payment_url
from voiceapp.services.orders.payments import METHOD_LABELS, PaymentError, order_amounts
from voiceapp.services.requests import money, pipeline, quotes, subscriptions
from voiceapp.services.requests.activity import StaleRequest
from voiceapp.services.requests.conversation import customer_link, request_for_token
from voiceapp.services.requests.inbox import get_request
from voiceapp.services.team_settings import team_zone
from voiceapp.web.paging import page_count, requested_page

bp = Blueprint("dossiers", __name__)
bp.before_request(login_required(lambda: None))
PER_PAGE = 50
STALE = (
    "Someone else changed this request in the meantime. "
    "Reload it to see their change, then make yours again."
)


# --- what the request page shows ------------------------------------------------------------


def dossier_panel(req) -> dict:
    """The request page's money part: quotes, the order and its figures, the payment
    URL, the customer's comments, the subscription."""
    dbs = db.session()
    order = money.live_order(req)
    return {
        "quotes": quotes.quotes_of(dbs, req),
        "open_quote": quotes.latest_open_quote(dbs, req),
        "order": order,
        "amounts": order_amounts(dbs, order, utcnow()) if order else None,
        "payments": [p for p in order.payments] if order else [],
        "payment_url": payment_url(order, _base()) if order else None,
        "price": money.agreed_price(req),
        "comments": order_actions.customer_notes(dbs, req.contact_id),
        "subscription": subscriptions.subscription_of_request(dbs, req.id),
        "hand_methods": MANUAL_METHODS,
        "method_labels": METHOD_LABELS,
        "stage_labels": STAGE_LABELS,
        "today": utcnow().date().isoformat(),
    }


def customer_quote(req) -> dict:
    """The customer's page: the latest quote (withdrawn ones are not shown), whether it
    waits for their answer, and the payment URL once there is an order to pay."""
    dbs = db.session()
    shown = [q for q in quotes.quotes_of(dbs, req) if q.status != "withdrawn"]
    latest = shown[0] if shown else None
    open_quote = quotes.latest_open_quote(dbs, req)
    order = money.live_order(req)
    return {
        "quote": latest,
        "open": open_quote is not None and latest is not None and open_quote.id == latest.id,
        "pay_url": payment_url(order, _base()) if order and order.status == "pending" else None,
    }


def _base() -> str:
    return public_base_url() or request.host_url


# --- acting on a request ----------------------------------------------------------------------


def _version() -> int | None:
    value = request.form.get("version", "")
    return int(value) if value.isdigit() and len(value) < 10 else None


def _load(request_id: int, *, lock: bool = False):
    req = get_request(db.session(), request_id, lock=lock)
    if req is None:
        abort(404)
    return req


def _first(errors) -> str:
    if isinstance(errors, dict):
        for field, value in errors.items():
            inner = _first(value)
            return inner if field in ("order", "buyer", "_schema") else f"{field}: {inner}"
    if isinstance(errors, list) and errors:
        return _first(errors[0])
    return str(errors)


@contextmanager
def _acting(request_id: int):
    """One change on the locked request, committed; a refusal is a flash and nothing
    changes. Either way back to the request's page."""
    dbs = db.session()
    req = _load(request_id, lock=True)
    try:
        yield req
        dbs.commit()
    except (StaleRequest, StaleDataError):
        dbs.rollback()
        flash(STALE, "error")
    except (quotes.QuoteError, money.MoneyError, pipeline.PipelineError, PaymentError) as exc:
        dbs.rollback()
        flash(f"Nothing was changed: {_first(exc.errors)}", "error")
    except (PaymentForbidden, pipeline.PipelineForbidden) as exc:
        dbs.rollback()
        abort(403, str(exc))


def _back(request_id: int, anchor: str = "#money"):
    return redirect(url_for("requests.show", request_id=request_id) + anchor)


def _amount(name: str = "amount") -> Decimal | None:
    try:
        return Decimal(request.form.get(name, "").strip().replace(",", "."))
    except InvalidOperation:
        return None


@bp.post("/requests/<int:request_id>/quotes")
def send_quote(request_id: int):
    with _acting(request_id) as req:
        quotes.send_quote(
            db.session(),
            req,
            amount=_amount(),
            currency=request.form.get("currency") or None,
            message=request.form.get("message"),
            actor=current_user,
            now=utcnow(),
            page_url=customer_link(req),
            expected_version=_version(),
        )
        flash("Quote sent to the customer.", "success")
    return _back(request_id, "#quotes")


@bp.post("/requests/<int:request_id>/quotes/<int:quote_id>/withdraw")
def withdraw_quote(request_id: int, quote_id: int):
    with _acting(request_id) as req:
        if quotes.withdraw_quote(
            db.session(),
            req,
            quote_id,
            actor=current_user,
            now=utcnow(),
            expected_version=_version(),
        ):
            flash("Quote withdrawn.", "success")
        else:
            abort(404)
    return _back(request_id, "#quotes")


@bp.post("/requests/<int:request_id>/payment-link")
def send_payment_link(request_id: int):
    with _acting(request_id) as req:
        money.send_payment_link(
            db.session(),
            req,
            actor=current_user,
            now=utcnow(),
            base_url=_base(),
            expected_version=_version(),
        )
        flash("Payment link sent to the customer.", "success")
    return _back(request_id)


@bp.post("/requests/<int:request_id>/order")
def make_order(request_id: int):
    """The order (and so the payment URL) without e-mailing it: read it out instead."""
    with _acting(request_id) as req:
        money.order_for_request(db.session(), req, seller=current_user, now=utcnow())
        flash("Order created: its payment URL is shown below.", "success")
    return _back(request_id)


@bp.post("/requests/<int:request_id>/online-payment")
def online_payment(request_id: int):
    with _acting(request_id) as req:
        on = request.form.get("online") == "1"
        money.set_online_payment(
            db.session(), req, on, actor=current_user, now=utcnow(), expected_version=_version()
        )
        flash(f"Online payment switched {'on' if on else 'off'}.", "success")
    return _back(request_id)


def _received_on() -> date | None:
    try:
        return date.fromisoformat(request.form.get("received_on", "").strip())
    except ValueError:
        return None


@bp.post("/requests/<int:request_id>/payments")
def record_payment(request_id: int):
    amount, received_on = _amount(), _received_on()
    if amount is None or received_on is None:
        flash("Nothing was recorded: give the amount (e.g. 150.00) and the day it came.", "error")
        return _back(request_id)
    with _acting(request_id) as req:
        money.record_request_payment(
            db.session(),
            req,
            amount=amount,
            method=request.form.get("method", ""),
            received_on=received_on,
            payer_name=request.form.get("payer_name"),
            payer_address=request.form.get("payer_address"),
            reference=request.form.get("reference"),
            actor=current_user,
            now=utcnow(),
            expected_version=_version(),
        )
        flash("Payment recorded.", "success")
    return _back(request_id)


@bp.post("/requests/<int:request_id>/processed")
def mark_processed(request_id: int):
    with _acting(request_id) as req:
        pipeline.mark_processed(
            db.session(), req, actor=current_user, now=utcnow(), expected_version=_version()
        )
        flash("Entered in our system: the dossier is processed.", "success")
    return _back(request_id)


@bp.route("/requests/<int:request_id>/archive", methods=["GET", "POST"])
def archive(request_id: int):
    """First a page naming what will be erased; archiving only from its button."""
    if not is_manager_or_admin(current_user.role):
        abort(403, "Archiving erases the dossier's content: managers and admins only.")
    if request.method == "GET":
        req = _load(request_id)
        return render_template(
            "requests/archive.html",
            req=req,
            erased=ERASED_ON_ARCHIVE,
            kept=KEPT_ON_ARCHIVE,
            stage_labels=STAGE_LABELS,
        )
    with _acting(request_id) as req:
        pipeline.archive(
            db.session(), req, actor=current_user, now=utcnow(), expected_version=_version()
        )
        flash("Dossier archived: its content was erased, the conversation kept.", "success")
    return _back(request_id, "")


@bp.post("/requests/<int:request_id>/customer-comments")
def add_customer_comment(request_id: int):
    """The customer comment for colleagues: the orders' note on the customer, so it shows
    on every dossier and order of theirs."""
    req = _load(request_id)
    text = (request.form.get("text") or "").strip()
    if not text or len(text) > 2000:
        flash("Nothing was saved: write the comment (at most 2000 characters).", "error")
        return _back(request_id, "#customer-comments")
    dbs = db.session()
    order_actions.add_note(dbs, req.contact_id, text, actor=current_user, now=utcnow())
    dbs.commit()
    flash("Comment saved: it shows on all of this customer's dossiers and orders.", "success")
    return _back(request_id, "#customer-comments")


# --- the Dossiers view --------------------------------------------------------------------------


@bp.get("/requests/dossiers")
def index():
    stage = request.args.get("stage", "new")
    if stage not in STAGES:
        stage = "new"
    dbs = db.session()
    page = requested_page()
    rows, total = pipeline.dossiers_in(dbs, stage, page=page, per_page=PER_PAGE)
    return render_template(
        "requests/dossiers.html",
        rows=rows,
        stage=stage,
        counts=pipeline.stage_counts(dbs),
        stage_labels=STAGE_LABELS,
        page=page,
        pages=page_count(total, PER_PAGE),
    )


# --- subscriptions ------------------------------------------------------------------------------


@bp.get("/requests/subscriptions")
def subscription_list():
    status = request.args.get("status") or None
    if status not in SUBSCRIPTION_STATUSES:
        status = None
    page = requested_page()
    rows, total = subscriptions.list_subscriptions(
        db.session(), viewer=current_user, status=status, page=page, per_page=PER_PAGE
    )
    return render_template(
        "requests/subscriptions.html",
        rows=rows,
        status=status,
        statuses=SUBSCRIPTION_STATUSES,
        describe_plan=describe_plan,
        page=page,
        pages=page_count(total, PER_PAGE),
    )


def _subscription_plans(sub) -> list[dict]:
    """The product's subscription plans: what the plan may be changed to."""
    return [p for p in (sub.product.plans if sub.product else []) if p["kind"] == "subscription"]


def _subscription_or_404(subscription_id: int):
    found = subscriptions.visible_subscription(db.session(), current_user, subscription_id)
    if found is None:
        abort(404)
    return found


@bp.get("/requests/subscriptions/<int:subscription_id>")
def subscription_page(subscription_id: int):
    dbs = db.session()
    sub = _subscription_or_404(subscription_id)
    plans = _subscription_plans(sub)
    return render_template(
        "requests/subscription.html",
        sub=sub,
        plans=plans,
        payments=subscriptions.collected_payments(dbs, sub),
        describe_plan=describe_plan,
        method_labels=METHOD_LABELS,
        zone=team_zone(dbs),
    )


@contextmanager
def _changing_subscription(subscription_id: int):
    dbs = db.session()
    sub = _subscription_or_404(subscription_id)
    try:
        yield sub
        dbs.commit()
    except (subscriptions.SubscriptionError, StaleDataError) as exc:
        dbs.rollback()
        errors = getattr(exc, "errors", {"version": [STALE]})
        flash(f"Nothing was changed: {_first(next(iter(errors.values())))}", "error")
    except subscriptions.SubscriptionForbidden as exc:
        dbs.rollback()
        abort(403, str(exc))


@bp.post("/requests/subscriptions/<int:subscription_id>/cancel")
def cancel_subscription(subscription_id: int):
    with _changing_subscription(subscription_id) as sub:
        subscriptions.cancel_subscription(
            db.session(), sub, actor=current_user, now=utcnow(), expected_version=_version()
        )
        flash("Subscription cancelled: nothing more is collected.", "success")
    return redirect(url_for("dossiers.subscription_page", subscription_id=subscription_id))


@bp.post("/requests/subscriptions/<int:subscription_id>/plan")
def change_plan(subscription_id: int):
    with _changing_subscription(subscription_id) as sub:
        index = request.form.get("plan", "")
        plans = _subscription_plans(sub)
        if not index.isdigit() or int(index) >= len(plans):
            raise subscriptions.SubscriptionError({"plan": ["choose one of the plans listed"]})
        subscriptions.change_plan(
            db.session(),
            sub,
            dict(plans[int(index)]),
            actor=current_user,
            now=utcnow(),
            expected_version=_version(),
        )
        flash("Plan changed: later payments follow it.", "success")
    return redirect(url_for("dossiers.subscription_page", subscription_id=subscription_id))


# --- the customer's answer to a quote, on their private page ---------------------------------

public_bp = Blueprint("dossier_public", __name__)


@public_bp.post("/r/conversation/<token>/quote")
def answer_quote(token: str):
    """Accept or reject the latest quote. A forged, revoked or archived link is a 404,
    like the page itself; with no open quote (withdrawn meanwhile) the page shows the
    quote as it is now. A signed-in member cannot answer for the customer (403)."""
    dbs = db.session()
    req = request_for_token(dbs, token[:500], lock=True)
    if req is None:
        abort(404)
    if current_user.is_authenticated:
        abort(403, "You are signed in as a member: the customer answers the quote.")
    answer = request.form.get("answer")
    if answer not in ("accept", "reject"):
        abort(400)
    try:
        quotes.answer_quote(dbs, req, accept=answer == "accept", now=utcnow())
        dbs.commit()
    except quotes.QuoteError:
        # Withdrawn or replaced meanwhile: the page shows the quote there is now.
        dbs.rollback()
    return redirect(url_for("request_public.customer_page", token=token) + "#quote")


def init_dossier_pages(app) -> None:
    """Register the pages; the customer's answer counts against the same per-address
    limit as their other answers (the pay page's limiter, web.request_public)."""
    app.register_blueprint(bp)
    app.register_blueprint(public_bp)
    limiter = app.extensions["voiceapp.pay_limiter"]
    limit = app.config["VOICEAPP"].request_form_rate_limit
    endpoint = f"{public_bp.name}.{answer_quote.__name__}"
    app.view_functions[endpoint] = limiter.limit(limit)(answer_quote)
    app.jinja_env.globals.update(dossier_panel=dossier_panel, customer_quote=customer_quote)
