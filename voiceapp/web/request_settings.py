"""The requests' settings, as tabs of the Requests section: labels (sales managers and
admins) and the public request forms (admins)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from voiceapp import db
from voiceapp.auth import roles_required
from voiceapp.domain.requests import RequestError
from voiceapp.domain.roles import ADMIN, SALES_MANAGER
from voiceapp.services.requests import intake, setup
from voiceapp.services.requests.inbox import all_labels

bp = Blueprint("request_settings", __name__, url_prefix="/requests")


@bp.route("/labels", methods=["GET", "POST"])
@roles_required(ADMIN, SALES_MANAGER)
def labels():
    dbs = db.session()
    errors: dict = {}
    if request.method == "POST":
        try:
            label = setup.save_label(dbs, None, request.form.get("name"), request.form.get("color"))
            dbs.commit()
            flash(f"Label added: {label.name}.", "success")
            return redirect(url_for("request_settings.labels"))
        except RequestError as exc:
            dbs.rollback()
            errors = {exc.field: exc.message}
    return render_template(
        "requests/labels.html", labels=all_labels(dbs), errors=errors, values=request.form
    ), (422 if errors else 200)


@bp.post("/labels/<int:label_id>")
@roles_required(ADMIN, SALES_MANAGER)
def label(label_id: int):
    dbs = db.session()
    row = setup.get_label(dbs, label_id) or abort(404)
    if request.form.get("delete"):
        name = row.name
        setup.delete_label(dbs, row)
        dbs.commit()
        flash(f"Label deleted: {name}.", "success")
        return redirect(url_for("request_settings.labels"))
    try:
        setup.save_label(dbs, row, request.form.get("name"), request.form.get("color"))
        dbs.commit()
        flash(f"Label saved: {row.name}.", "success")
    except RequestError as exc:
        dbs.rollback()
        flash(f"Not saved: {exc.message}.", "error")
    return redirect(url_for("request_settings.labels"))


def _form_data() -> dict:
    form = request.form
    return {
        "slug": form.get("slug"),
        "title": form.get("title"),
        "intro": form.get("intro"),
        "product_ids": [v for v in form.getlist("product_ids") if v.isdigit() and len(v) < 10],
        "active": form.get("active") == "on",
    }


def _form_page(row, errors: dict, values):
    dbs = db.session()
    return render_template(
        "requests/forms.html",
        forms=setup.all_forms(dbs),
        editing=row,
        products=intake.form_products(dbs, None),
        errors=errors,
        values=values,
    ), (422 if errors else 200)


def _save_form(row):
    dbs = db.session()
    try:
        saved = setup.save_form(dbs, row, _form_data())
        dbs.commit()
    except RequestError as exc:
        dbs.rollback()
        return _form_page(row, {exc.field: exc.message}, request.form)
    flash(f"Form saved: /r/{saved.slug}.", "success")
    return redirect(url_for("request_settings.forms"))


@bp.route("/forms", methods=["GET", "POST"])
@roles_required(ADMIN)
def forms():
    if request.method == "POST":
        return _save_form(None)
    return _form_page(None, {}, {})


@bp.route("/forms/<int:form_id>", methods=["GET", "POST"])
@roles_required(ADMIN)
def edit_form(form_id: int):
    row = setup.get_form(db.session(), form_id) or abort(404)
    if request.method == "POST":
        return _save_form(row)
    return _form_page(row, {}, {})
