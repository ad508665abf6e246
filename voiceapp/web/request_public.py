"""The customer's side of requests, public (no sign-in), on the pay page's layout:

- /r/<slug>: a team's request form. Spam is kept out without a third party: a honeypot
  field people never see (filled in: thanked, nothing stored), a signed start time (sent
  back sooner than REQUEST_FORM_MIN_SECONDS, or forged: the form again, nothing stored),
  and a limit of requests per client address (REQUEST_FORM_RATE_LIMIT, Flask-Limiter on
  the app's Redis, the pay page's limiter).
- /r/conversation/<token>: the customer's private page, reached by the signed link in
  the team's e-mails: their request, the conversation, and a form to answer. A forged,
  mangled or revoked link is a 404 page that says so.
"""

from __future__ import annotations

import time

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from itsdangerous import BadData, URLSafeSerializer

from voiceapp import db
from voiceapp.auth import client_address
from voiceapp.db import utcnow
from voiceapp.domain.requests import PAYMENT_METHOD_LABELS, RequestError, fill_time_refused
from voiceapp.services.requests import conversation, inbox, intake, setup
from voiceapp.services.team_settings import get_team_settings

bp = Blueprint("request_public", __name__, url_prefix="/r")
START_SALT = "voiceapp.request-form-start"
HONEYPOT = "website"  # a field people never see (hidden by CSS), robots fill in
TOO_FAST = "That was quick: please check your request and send it again."


def init_request_pages(app: Flask) -> None:
    """Register the blueprint, its sending routes limited per client address by the pay
    page's limiter (same Redis, same fallback when Redis is out)."""
    limiter = app.extensions["voiceapp.pay_limiter"]
    limit = app.config["VOICEAPP"].request_form_rate_limit
    app.register_blueprint(bp)
    # Flask-Limiter checks a decorated view's limit in its wrapper, so the wrapper is
    # what the app must call (the blueprint registered the plain function).
    for view in (form_page, customer_page):
        endpoint = f"{bp.name}.{view.__name__}"
        app.view_functions[endpoint] = limiter.limit(limit, methods=["POST"])(view)


def start_token(form_id: int, at: float | None = None) -> str:
    """The form's signed start time (tests make older ones with `at`)."""
    signer = URLSafeSerializer(current_app.secret_key, salt=START_SALT)
    return signer.dumps({"f": form_id, "t": time.time() if at is None else at})


def _elapsed(form_id: int, token: str) -> float | None:
    try:
        data = URLSafeSerializer(current_app.secret_key, salt=START_SALT).loads(token)
        if int(data["f"]) != form_id:
            return None
        return time.time() - float(data["t"])
    except (BadData, KeyError, TypeError, ValueError):
        return None


def _seller() -> str:
    return get_team_settings(db.session()).seller_name or ""


def _not_found(title: str, text: str):
    page = render_template("requests/public_message.html", title=title, text=text, seller=_seller())
    return make_response(page, 404)


def _load_form(slug: str):
    form = setup.active_form(db.session(), slug)
    if form is None:
        abort(_not_found("No such form", "This request form does not exist or is closed."))
    return form


def _form_page(form, errors: dict, values, status: int = 200):
    products = intake.form_products(db.session(), form)
    page = render_template(
        "requests/public_form.html",
        form=form,
        products=products,
        errors=errors,
        values=values,
        start=start_token(form.id),
        honeypot=HONEYPOT,
        seller=_seller(),
        methods=PAYMENT_METHOD_LABELS,
        languages=get_team_settings(db.session()).languages or ["en"],
    )
    return make_response(page, status)


def _product_choice(value: str) -> tuple[int | None, int | None]:
    """The product select's "<product id>:<plan index>" (or "<product id>")."""
    product, _, plan = (value or "").partition(":")
    if not (product.isdigit() and len(product) < 10):
        return None, None
    return int(product), (int(plan) if plan.isdigit() and len(plan) < 4 else None)


@bp.route("/<slug>", methods=["GET", "POST"])
def form_page(slug: str):
    form = _load_form(slug)
    if request.method == "GET":
        return _form_page(form, {}, {})
    values = request.form
    if values.get(HONEYPOT):
        # A robot: thanked like anybody, so it learns nothing; nothing is stored.
        return render_template("requests/public_thanks.html", form=form, seller=_seller())
    elapsed = _elapsed(form.id, values.get("start", ""))
    minimum = current_app.config["VOICEAPP"].request_form_min_seconds
    if elapsed is None or fill_time_refused(elapsed, minimum):
        return _form_page(form, {"form": TOO_FAST}, values, 422)
    product_id, plan = _product_choice(values.get("product", ""))
    data = {
        "name": values.get("name"),
        "email": values.get("email"),
        "phone": values.get("phone"),
        "language": values.get("language"),
        "message": values.get("message"),
        "payment_method": values.get("payment_method") or None,
        "product_id": product_id,
        "plan": plan,
    }
    dbs = db.session()
    try:
        intake.create_request(
            dbs,
            data,
            source="form",
            form=form,
            now=utcnow(),
            default_region=current_app.config["VOICEAPP"].default_region,
            ip_address=client_address(),
        )
    except RequestError as exc:
        dbs.rollback()
        return _form_page(form, {exc.field: exc.message}, values, 422)
    dbs.commit()
    return render_template("requests/public_thanks.html", form=form, seller=_seller())


def _by_token(token: str, *, lock: bool = False):
    req = conversation.request_for_token(db.session(), token[:500], lock=lock)
    if req is None:
        abort(
            _not_found(
                "This link does not work",
                "The link is incomplete, or it was replaced by a newer one. Please use the link "
                "in our latest e-mail, or write to us again.",
            )
        )
    return req


def _customer_page(req, token: str, error: str | None = None, status: int = 200):
    page = render_template(
        "requests/customer.html",
        req=req,
        token=token,
        messages=inbox.conversation(db.session(), req.id),
        error=error,
        seller=_seller(),
        methods=PAYMENT_METHOD_LABELS,
    )
    return make_response(page, status)


@bp.route("/conversation/<token>", methods=["GET", "POST"])
def customer_page(token: str):
    if request.method == "GET":
        return _customer_page(_by_token(token), token)
    dbs = db.session()
    req = _by_token(token, lock=True)
    if current_user.is_authenticated:
        abort(403, "You are signed in as a member: answer from the request's page instead.")
    try:
        conversation.customer_reply(dbs, req, request.form.get("body"), now=utcnow())
    except RequestError as exc:
        dbs.rollback()
        return _customer_page(req, token, exc.message, 422)
    dbs.commit()
    return redirect(url_for("request_public.customer_page", token=token) + "#conversation")


@bp.errorhandler(429)
def _too_many(_error):
    page = render_template(
        "requests/public_message.html",
        title="Too many requests",
        text="Please wait a little before sending again.",
        seller=_seller(),
    )
    return make_response(page, 429)
