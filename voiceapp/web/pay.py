"""The customer's pay page, /p/CODE: public (no sign-in), its own minimal layout, in the
buyer's language (German or English). The customer sees the order read-only and can only
choose a way to pay (services.orders.pay_page); an agent on the phone with them may fill
in the same page for them (seed 000), and is then recorded as having done so.

- The code is read forgivingly (domain.payment_code.parse_code); a code written another
  way is redirected to its canonical URL. A check symbol that fails says "please check the
  code", a malformed code says what a code looks like, an unknown one is a 404: none of
  these pages shows anything else.
- Every /p/ route counts against one limit per client address (Flask-Limiter on the app's
  Redis, PAY_PAGE_RATE_LIMIT); members signed in to the panel are not counted. The
  client address is the one the app already trusts (ProxyFix with TRUSTED_PROXIES).
- No order id appears in a URL, only the code. Forms carry Flask-WTF's CSRF token like
  the panel's; every answer is `Cache-Control: private, no-store` (voiceapp.headers).
"""

from __future__ import annotations

import secrets
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_limiter import Limiter
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from itsdangerous import BadData, URLSafeTimedSerializer

from voiceapp import db
from voiceapp.auth import client_address
from voiceapp.db import utcnow
from voiceapp.domain.payment_code import CodeCheckFailed, CodeMalformed, format_code, parse_code
from voiceapp.redis_client import REDIS_TIMEOUT_SECONDS
from voiceapp.services.orders import pay_page
from voiceapp.web.pay_texts import LANGUAGES, Texts

if TYPE_CHECKING:
    from voiceapp.models import Order

bp = Blueprint("pay", __name__, url_prefix="/p")

# The demo provider's checkout: what it charges and its own id, signed, so a checkout
# cannot be made up or changed, and it expires.
DEMO_CHECKOUT_SALT = "voiceapp.pay.demo-checkout"
DEMO_CHECKOUT_MAX_AGE = 60 * 60
# Notices the pay page shows when sent back to it (?notice=...).
NOTICES = frozenset({"demo_failed", "demo_expired"})
RATE_LIMIT_SCOPE = "pay-page"


def init_pay_page(app: Flask) -> None:
    """Register the blueprint with its rate limit: one Limiter per app, on the app's
    Redis. While Redis is unreachable each process counts alone (like the sign-in
    throttle): an outage must neither lock customers out nor switch the limit off."""
    settings = app.config["VOICEAPP"]
    limiter = Limiter(
        key_func=client_address,
        storage_uri=settings.redis_url,
        storage_options={
            "socket_timeout": REDIS_TIMEOUT_SECONDS,
            "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
        },
        strategy="moving-window",
        key_prefix="voiceapp-pay",
        headers_enabled=True,
        in_memory_fallback_enabled=True,
        swallow_errors=True,
    )
    limiter.shared_limit(
        settings.pay_page_rate_limit, scope=RATE_LIMIT_SCOPE, exempt_when=_member_signed_in
    )(bp)
    limiter.request_filter(_never_limited)
    limiter.init_app(app)
    app.extensions["voiceapp.pay_limiter"] = limiter
    app.register_blueprint(bp)


# Paths no limit of this limiter applies to: the limiter otherwise works out, on every API
# request and every Twilio webhook, that none applies (about 0.03 ms a request).
UNLIMITED_PREFIXES = ("/api/", "/twilio/", "/static/")


def _never_limited() -> bool:
    return request.path.startswith(UNLIMITED_PREFIXES)


def _member_signed_in() -> bool:
    return current_user.is_authenticated


def _member():
    """The signed-in member filling in the page for a customer, or None."""
    return current_user._get_current_object() if current_user.is_authenticated else None


def _payer_address() -> str | None:
    """The customer's address, for the order; not the agent's when an agent fills it in."""
    return None if current_user.is_authenticated else client_address()


# --- codes and answers --------------------------------------------------------------------


def _visitor_texts() -> Texts:
    """Pages without an order: the browser's preferred language of ours."""
    return Texts(request.accept_languages.best_match(LANGUAGES, default="en"))


def _message(kind: str, status: int, *, form: bool = False, typed: str = ""):
    t = _visitor_texts()
    if request.endpoint == "pay.status":
        return make_response(jsonify(state=None, message=t(f"{kind}_title")), status)
    page = render_template(
        "pay/message.html", t=t, lang=t.language, kind=kind, form=form, typed=typed
    )
    return make_response(page, status)


def _canonical(code: str) -> str:
    try:
        return parse_code(code)
    except CodeCheckFailed:
        abort(_message("check", 400, form=True, typed=code[:40]))
    except CodeMalformed:
        abort(_message("malformed", 400, form=True, typed=code[:40]))


def _order(code: str) -> Order:
    order = pay_page.find_order(db.session(), _canonical(code))
    if order is None:
        abort(_message("notfound", 404, form=True))
    return order


def _elsewhere(code: str, order: Order, endpoint: str):
    """A redirect to the canonical URL when the code was written another way."""
    canonical = format_code(order.payment_code)
    if code == canonical:
        return None
    return redirect(url_for(endpoint, code=canonical, **request.args))


def _view(order: Order) -> pay_page.PayView:
    settings = current_app.config["VOICEAPP"]
    return pay_page.pay_view(
        db.session(),
        order,
        demo=settings.demo_payments,
        card=settings.stripe_configured,
    )


def _to_page(view_or_order, notice: str | None = None):
    code = getattr(view_or_order, "code", None) or format_code(view_or_order.payment_code)
    return redirect(url_for("pay.page", code=code, notice=notice))


def _render(template: str, view: pay_page.PayView, status: int = 200, **context):
    t = Texts(view.language)
    mandate = _mandate_text(t, view) if pay_page.SEPA in view.methods else None
    page = render_template(
        template, t=t, lang=t.language, view=view, mandate=mandate, member=_member(), **context
    )
    return page, status


def _mandate_text(t: Texts, view: pay_page.PayView) -> str:
    """The mandate as the debtor reads and accepts it; stored word for word."""
    creditor = view.seller_name or ""
    return "\n".join(
        [
            t("mandate_heading"),
            t("mandate_text", creditor=creditor),
            f"{t('creditor')}: {creditor}",
            f"{t('creditor_id')}: {view.creditor_id}",
            f"{t('mandate_reference')}: {view.mandate_reference}",
            f"{t('sequence')}: {t(view.sequence_type)}",
        ]
    )


# --- pages --------------------------------------------------------------------------------


@bp.get("/")
def enter():
    """Where a customer types the code (or a help page's form sends it)."""
    typed = request.args.get("code", "")
    if not typed.strip():
        t = _visitor_texts()
        return render_template("pay/message.html", t=t, lang=t.language, kind="enter", form=True)
    return redirect(url_for("pay.page", code=format_code(_canonical(typed))))


@bp.get("/<code>")
def page(code: str):
    order = _order(code)
    elsewhere = _elsewhere(code, order, "pay.page")
    if elsewhere:
        return elsewhere
    notice = request.args.get("notice")
    return _render("pay/page.html", _view(order), notice=notice if notice in NOTICES else None)


@bp.get("/<code>/thanks")
def thanks(code: str):
    order = _order(code)
    return _elsewhere(code, order, "pay.thanks") or _render("pay/thanks.html", _view(order))


@bp.get("/<code>/status")
def status(code: str):
    """What the thank-you page polls until the payment is confirmed."""
    return jsonify(state=pay_page.page_state(_order(code)))


# --- the demo provider ------------------------------------------------------------------


def _demo_on(order: Order | None = None) -> None:
    """404 unless the demo provider is on, and offered for this order (a dossier's
    online payment may be switched off)."""
    if not current_app.config["VOICEAPP"].demo_payments:
        abort(404)
    if order is not None and not pay_page.online_payment_allowed(db.session(), order):
        abort(404)


def _checkouts() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=DEMO_CHECKOUT_SALT)


def _checkout(order: Order, token: str) -> tuple[str, Decimal] | None:
    """The checkout's (id, amount) when the token is ours, for this order, not expired."""
    try:
        data = _checkouts().loads(token, max_age=DEMO_CHECKOUT_MAX_AGE)
        if data["code"] != order.payment_code:
            return None
        return str(data["ref"]), Decimal(data["amount"])
    except (BadData, KeyError, TypeError, InvalidOperation):
        return None


@bp.post("/<code>/demo")
def demo_start(code: str):
    """Start a demo checkout for what is left to pay now."""
    _demo_on()
    order = _order(code)
    _demo_on(order)
    if pay_page.page_state(order) != pay_page.OPEN:
        return _to_page(order)
    amount = pay_page.left_to_pay(db.session(), order)
    token = _checkouts().dumps(
        {
            "code": order.payment_code,
            "amount": str(amount),
            "ref": f"demo_{secrets.token_urlsafe(12)}",
        }
    )
    return redirect(url_for("pay.demo_checkout", code=format_code(order.payment_code), c=token))


@bp.get("/<code>/demo")
def demo_checkout(code: str):
    """The simulated provider's page: the amount, "Pay" and "Let it fail"."""
    _demo_on()
    order = _order(code)
    _demo_on(order)
    checkout = _checkout(order, request.args.get("c", ""))
    if checkout is None:
        return _to_page(order, "demo_expired")
    if pay_page.page_state(order) != pay_page.OPEN:
        return _to_page(order)  # paid or cancelled meanwhile: the page says which
    return _render(
        "pay/demo.html", _view(order), amount=checkout[1], token=request.args.get("c", "")
    )


@bp.post("/<code>/demo/complete")
def demo_complete(code: str):
    _demo_on()
    order = _order(code)
    _demo_on(order)
    checkout = _checkout(order, request.form.get("c", ""))
    if checkout is None:
        return _to_page(order, "demo_expired")
    if request.form.get("outcome") != "pay":
        return _to_page(order, "demo_failed")
    dbs = db.session()
    ref, amount = checkout
    try:
        pay_page.demo_payment(
            dbs,
            order.id,
            checkout_ref=ref,
            amount=amount,
            now=utcnow(),
            ip_address=_payer_address(),
            actor=_member(),
        )
    except pay_page.NotPayable:
        dbs.rollback()
        return _to_page(order)
    dbs.commit()
    return redirect(url_for("pay.thanks", code=format_code(order.payment_code)))


# --- bank transfer and SEPA direct debit ----------------------------------------------------


@bp.post("/<code>/bank")
def bank_transfer(code: str):
    """ "I will transfer": a line in the history; the thank-you page repeats the details."""
    order = _order(code)
    dbs = db.session()
    try:
        pay_page.choose_bank_transfer(dbs, order.id, now=utcnow(), actor=_member())
    except pay_page.NotPayable:
        dbs.rollback()
        return _to_page(order)
    dbs.commit()
    return redirect(url_for("pay.thanks", code=format_code(order.payment_code)))


@bp.post("/<code>/sepa")
def sepa(code: str):
    order = _order(code)
    view = _view(order)
    if view.state != pay_page.OPEN or pay_page.SEPA not in view.methods:
        return _to_page(view)
    form = request.form
    given = pay_page.MandateInput(
        holder=form.get("holder", ""),
        iban=form.get("iban", ""),
        accepted=form.get("accept") == "yes",
    )
    dbs = db.session()
    try:
        pay_page.give_mandate(
            dbs,
            order.id,
            given,
            mandate_text=_mandate_text(Texts(view.language), view),
            now=utcnow(),
            ip_address=_payer_address(),
            actor=_member(),
        )
    except pay_page.MandateInputError as exc:
        dbs.rollback()
        values = {"holder": given.holder, "iban": given.iban, "accept": given.accepted}
        return _render("pay/page.html", view, 422, errors=exc.problems, values=values)
    except pay_page.NotPayable:
        dbs.rollback()
        return _to_page(view)
    dbs.commit()
    return redirect(url_for("pay.thanks", code=view.code))


# --- errors on the pay page's own layout ----------------------------------------------------


@bp.errorhandler(429)
def _too_many(_error):
    return _message("limited", 429)


@bp.errorhandler(CSRFError)
def _form_expired(_error):
    return _message("expired", 400)
