"""Products and sales settings (admins only): the products agents sell, each with its
payment plans written one per line (domain.plan_lines), switched off rather than
deleted; the seller's country, which decides VAT on the team's orders; and the seller's
name, bank account and SEPA creditor identifier, which the customer's pay page offers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from voiceapp import db
from voiceapp.auth import roles_required
from voiceapp.db import utcnow
from voiceapp.domain.bank_details import format_iban
from voiceapp.domain.plan_lines import HOW_TO_WRITE, format_plan_line, parse_plan_lines
from voiceapp.domain.products import PRICE_BASES, VAT_CATEGORIES, describe_plan
from voiceapp.domain.roles import ADMIN
from voiceapp.schemas.products import ProductInputSchema
from voiceapp.services import orders, team_settings
from voiceapp.web.forms import flatten_errors

if TYPE_CHECKING:
    from voiceapp.models import Product

bp = Blueprint("products", __name__)
TEXT_FIELDS = ("name", "price", "price_is", "currency", "vat_category")


def _product_or_404(product_id: int) -> Product:
    product = orders.get_product(db.session(), product_id)
    if product is None:
        abort(404)
    return product


def _values(product: Product | None) -> dict:
    if product is None:
        return {
            "price_is": "gross",
            "currency": "EUR",
            "vat_category": "standard",
            "plans": "single",
        }
    values = {name: str(getattr(product, name) or "") for name in TEXT_FIELDS}
    values["physical"] = product.physical
    values["on_request"] = product.on_request
    values["plans"] = "\n".join(format_plan_line(plan) for plan in product.plans)
    return values


def _submitted() -> dict:
    """The form as typed, to show it again with the errors."""
    return {
        **request.form,
        "physical": "physical" in request.form,
        "on_request": "on_request" in request.form,
    }


def _plan_errors(errors: dict) -> dict:
    """Errors about plans (by index in the list) named by the form's line numbers."""
    text = request.form.get("plans", "")
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    named: dict = {}
    for name, messages in errors.items():
        parts = name.split(".")
        if parts[0] == "plans" and len(parts) > 1 and parts[1].isdigit():
            where = f"line {lines[int(parts[1])]}"
            field = f" ({parts[2].replace('_', ' ')})" if len(parts) > 2 else ""
            named.setdefault("plans", []).extend(f"{where}{field}: {m}" for m in messages)
        else:
            named.setdefault(name, []).extend(messages)
    return named


def _load_form() -> tuple[dict | None, dict]:
    """The submitted form as checked product input, or the errors to show."""
    form = request.form
    raw = {name: form.get(name, "") for name in TEXT_FIELDS}
    raw["physical"] = "physical" in form
    raw["on_request"] = "on_request" in form
    if not raw["price"].strip():
        # No price given: right for a product on request, else the schema says it is
        # required (and a price with "on request" ticked is refused, not dropped).
        raw["price"] = None
    plans, line_problems = parse_plan_lines(form.get("plans", ""))
    if line_problems:
        return None, {"plans": [f"line {n}: {p}" for n, p in line_problems.items()]}
    raw["plans"] = plans
    try:
        return ProductInputSchema().load(raw), {}
    except ValidationError as exc:
        return None, _plan_errors(flatten_errors(exc.messages))


def _save(product: Product | None) -> tuple[Product | None, dict]:
    data, errors = _load_form()
    if errors:
        return None, errors
    dbs = db.session()
    try:
        if product is None:
            product = orders.create_product(dbs, data, now=utcnow())
        else:
            data.pop("active", None)  # switched on and off by its own button
            orders.update_product(dbs, product, data, now=utcnow())
    except orders.ProductError as exc:
        dbs.rollback()
        return None, _plan_errors(flatten_errors(exc.errors))
    dbs.commit()
    return product, {}


def _render_form(product: Product | None, values: dict, errors: dict, status: int = 200):
    return render_template(
        "products/form.html",
        product=product,
        values=values,
        errors=errors,
        price_bases=PRICE_BASES,
        vat_categories=VAT_CATEGORIES,
        how_to_write=HOW_TO_WRITE,
    ), status


@bp.get("/products")
@roles_required(ADMIN)
def index():
    products = orders.list_products(db.session())
    return render_template("products/list.html", products=products, describe_plan=describe_plan)


@bp.route("/products/new", methods=["GET", "POST"])
@roles_required(ADMIN)
def create():
    if request.method == "GET":
        return _render_form(None, _values(None), {})
    product, errors = _save(None)
    if errors:
        flash("The product was not saved: please correct the marked fields.", "error")
        return _render_form(None, _submitted(), errors, 422)
    flash(f"Product {product.name} added.", "success")
    return redirect(url_for("products.index"))


@bp.route("/products/<int:product_id>", methods=["GET", "POST"])
@roles_required(ADMIN)
def edit(product_id: int):
    product = _product_or_404(product_id)
    if request.method == "GET":
        return _render_form(product, _values(product), {})
    _saved, errors = _save(product)
    if errors:
        flash("Nothing was changed: please correct the marked fields.", "error")
        return _render_form(product, _submitted(), errors, 422)
    flash(f"Product {product.name} saved.", "success")
    return redirect(url_for("products.index"))


@bp.post("/products/<int:product_id>/active")
@roles_required(ADMIN)
def switch(product_id: int):
    """Switch a product off (agents no longer offer it; its orders keep it) or on again."""
    product = _product_or_404(product_id)
    on = request.form.get("active") == "1"
    orders.update_product(db.session(), product, {"active": on}, now=utcnow())
    db.session().commit()
    flash(f"{product.name} is {'on sale again' if on else 'switched off'}.", "success")
    return redirect(url_for("products.index"))


# The seller and the team's bank account, shown on the customer's pay page.
BANK_FIELDS = ("seller_name", "bank_account_holder", "bank_iban", "bank_bic", "sepa_creditor_id")


def _bank_values(dbs) -> dict[str, str]:
    stored = team_settings.get_team_settings(dbs)
    values = {name: getattr(stored, name) or "" for name in BANK_FIELDS}
    if values["bank_iban"]:
        values["bank_iban"] = format_iban(values["bank_iban"])
    return values


def _save_bank_details(dbs, values: dict[str, str]) -> dict:
    try:
        team_settings.set_bank_details(
            dbs,
            seller_name=values["seller_name"],
            holder=values["bank_account_holder"],
            iban=values["bank_iban"],
            bic=values["bank_bic"],
            creditor_id=values["sepa_creditor_id"],
        )
    except team_settings.BankDetailsError as exc:
        return exc.errors
    return {}


@bp.route("/settings/sales", methods=["GET", "POST"])
@roles_required(ADMIN)
def sales_settings():
    dbs = db.session()
    errors: dict = {}
    country = orders.seller_country(dbs)
    days = orders.auto_cancel_days(dbs)
    bank = _bank_values(dbs)
    if request.method == "POST":
        country = request.form.get("seller_country", "")
        # A form without the field (an older page still open) keeps the stored value.
        days = request.form.get("order_auto_cancel_days", days)
        bank = {name: request.form.get(name, bank[name]) for name in BANK_FIELDS}
        for apply, value in (
            (orders.set_seller_country, country),
            (orders.set_auto_cancel_days, days),
        ):
            try:
                apply(dbs, value)
            except orders.ProductError as exc:
                errors.update(exc.errors)
        errors.update(_save_bank_details(dbs, bank))
        if not errors:
            dbs.commit()
            flash("Sales settings saved.", "success")
            return redirect(url_for("products.sales_settings"))
        dbs.rollback()
        flash("Nothing was saved: please correct the marked fields.", "error")
    page = render_template(
        "products/sales_settings.html", country=country, days=days, bank=bank, errors=errors
    )
    return page, (422 if errors else 200)
