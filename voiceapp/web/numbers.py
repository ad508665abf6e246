"""Our virtual numbers (admin only): link a number of the Twilio account or search and
buy one, switch outgoing calls and recording, and name the operators who may use each."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional, Regexp

from voiceapp import db
from voiceapp.auth import roles_required
from voiceapp.domain.phones import E164
from voiceapp.domain.roles import ADMIN
from voiceapp.services import accounts
from voiceapp.services import numbers as service
from voiceapp.telephony.adapter import TelephonyError
from voiceapp.telephony.factory import telephony_adapter
from voiceapp.telephony.urls import public_url
from voiceapp.web.telephony_admin import strip_text

if TYPE_CHECKING:
    from voiceapp.models import NumberOperator, PhoneNumber

bp = Blueprint("numbers", __name__)


class SwitchesForm(FlaskForm):
    outgoing_enabled = BooleanField("Outgoing calls")
    recording_enabled = BooleanField("Call recording")


class OperatorForm(SwitchesForm):
    user_id = SelectField("Operator", coerce=int, validate_choice=False)


class LinkForm(FlaskForm):
    sid = StringField(
        "Number SID", filters=[strip_text], validators=[InputRequired(), Length(max=34)]
    )


class BuyForm(FlaskForm):
    number = StringField(
        "Number",
        filters=[strip_text],
        validators=[InputRequired(), Regexp(E164.pattern, message="not an E.164 number")],
    )
    # Regulated numbers: an approved bundle and an address of the account (Twilio's SIDs).
    bundle_sid = StringField(
        "Regulatory bundle",
        filters=[strip_text],
        validators=[Optional(), Regexp(r"^BU[0-9a-fA-F]{32}$", message="not a bundle SID")],
    )
    address_sid = StringField(
        "Address",
        filters=[strip_text],
        validators=[Optional(), Regexp(r"^AD[0-9a-fA-F]{32}$", message="not an address SID")],
    )
    country = StringField("Country", filters=[strip_text], validators=[Optional(), Length(max=2)])


# Twilio's refusals of a purchase, in words an admin can act on. 21649: no approved bundle;
# 21631: no (suitable) address. https://www.twilio.com/docs/api/errors/21631 and the
# changelog "Regulated Number Bundle Provisioning Requirement" (21649).
PURCHASE_REFUSALS = {
    21649: (
        "Twilio refused to sell {number}: numbers in this country need an approved "
        "regulatory bundle. Choose one of the account's approved bundles next to the number "
        "(bundles are created and approved in the Twilio Console, Regulatory Compliance)."
    ),
    21631: (
        "Twilio refused to sell {number}: it needs the address of the number's user, in the "
        "number's country for local numbers. Choose one of the account's addresses next to "
        "the number (addresses are added in the Twilio Console)."
    ),
}


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    country = StringField(
        "Country (ISO code)",
        filters=[strip_text],
        validators=[
            InputRequired(),
            Regexp(r"^[A-Za-z]{2}$", message="a two-letter country code, e.g. DE"),
        ],
    )
    contains = StringField(
        "Contains (digits, optional)",
        filters=[strip_text],
        validators=[
            Optional(),
            Regexp(r"^[0-9A-Za-z*]{1,16}$", message="up to 16 digits or letters"),
        ],
    )


def _number_or_404(number_id: int) -> PhoneNumber:
    number = service.get_number(db.session(), number_id)
    if number is None:
        abort(404)
    return number


def _adapter_or_flash():
    try:
        return telephony_adapter(db.session())
    except TelephonyError as exc:
        flash(f"Twilio: {exc}.", "error")
        return None


def _store_number(info, *, bought: bool) -> None:
    dbs = db.session()
    try:
        service.add_number(
            dbs, number=info.number, friendly_name=info.friendly_name, twilio_sid=info.sid
        )
    except service.NumberError as exc:
        flash(f"{exc}.", "error")
        return
    dbs.commit()
    verb = "bought and added" if bought else "linked"
    flash(f"{info.number} {verb}. Choose its operators below.", "success")


@bp.get("/numbers")
@roles_required(ADMIN)
def numbers():
    dbs = db.session()
    rows = service.all_numbers(dbs)
    users = accounts.all_members(dbs)
    return render_template(
        "telephony/numbers.html",
        numbers=rows,
        users={u.id: u for u in users},
        active_users=[u for u in users if u.active],
        inbound_url=public_url("twilio_voice.inbound"),
    )


@bp.get("/numbers/account")
@roles_required(ADMIN)
def account_numbers():
    adapter = _adapter_or_flash()
    try:
        found = adapter.list_numbers() if adapter else None
    except TelephonyError as exc:
        flash(f"Twilio: {exc}.", "error")
        found = None
    if found is None:
        return redirect(url_for("numbers.numbers"))
    linked = service.linked_keys(db.session())
    return render_template("telephony/account.html", found=found, linked=linked)


def _number_webhooks() -> dict:
    return {
        "voice_url": public_url("twilio_voice.inbound"),
        "fallback_url": public_url("twilio_voice.fallback"),
        "status_callback": public_url("twilio_callbacks.status"),
    }


@bp.post("/numbers/link")
@roles_required(ADMIN)
def link_number():
    form = LinkForm()
    adapter = _adapter_or_flash() if form.validate() else None
    if adapter is not None:
        try:
            info = next((n for n in adapter.list_numbers() if n.sid == form.sid.data), None)
        except TelephonyError as exc:
            flash(f"Twilio: {exc}.", "error")
        else:
            if info is None or not E164.match(info.number):
                flash("That number is not in the Twilio account (any more).", "error")
            else:
                try:
                    # Calls to the number must reach this app: set its webhooks at Twilio.
                    adapter.configure_number(info.sid, **_number_webhooks())
                except TelephonyError as exc:
                    flash(f"Twilio: {exc}.", "error")
                else:
                    _store_number(info, bought=False)
    elif form.errors:
        flash("Choose a number of the account to link.", "error")
    return redirect(url_for("numbers.numbers"))


@bp.get("/numbers/search")
@roles_required(ADMIN)
def search_numbers():
    form = SearchForm(request.args)
    found, status, bundles, addresses = None, 200, [], []
    if request.args:
        if not form.validate():
            status = 422
        elif adapter := _adapter_or_flash():
            country = form.country.data.upper()
            try:
                found = adapter.search_available(country, form.contains.data or None)
            except TelephonyError as exc:
                flash(f"Twilio: {exc}.", "error")
                status = 502
            else:
                bundles, addresses = _regulatory_choices(adapter, country)
        else:
            status = 502
    return render_template(
        "telephony/search.html",
        form=form,
        found=found,
        bundles=bundles,
        addresses=addresses,
        country=(form.country.data or "").upper(),
    ), status


def _regulatory_choices(adapter, country: str) -> tuple[list, list]:
    """The account's approved bundles for the country and its addresses, offered next to
    each number; a failure to list them leaves the lists empty (buying may still work)."""
    try:
        return adapter.approved_bundles(country), adapter.addresses()
    except TelephonyError as exc:
        flash(f"Twilio: {exc}.", "error")
        return [], []


@bp.post("/numbers/buy")
@roles_required(ADMIN)
def buy_number():
    form = BuyForm()
    if not form.validate():
        flash("Choose a number from the search results to buy.", "error")
        return redirect(url_for("numbers.search_numbers"))
    dbs = db.session()
    if service.is_ours(dbs, form.number.data):
        flash(f"{form.number.data} is already one of our numbers.", "error")
        return redirect(url_for("numbers.numbers"))
    if adapter := _adapter_or_flash():
        try:
            info = adapter.buy_number(
                form.number.data,
                **_number_webhooks(),
                bundle_sid=form.bundle_sid.data or None,
                address_sid=form.address_sid.data or None,
            )
        except TelephonyError as exc:
            words = PURCHASE_REFUSALS.get(exc.code)
            flash(words.format(number=form.number.data) if words else f"Twilio: {exc}.", "error")
            if form.country.data:  # back to this number, to choose a bundle or address
                return redirect(
                    url_for(
                        "numbers.search_numbers",
                        country=form.country.data,
                        contains=form.number.data[-7:],
                    )
                )
        else:
            _store_number(info, bought=True)
    return redirect(url_for("numbers.numbers"))


@bp.post("/numbers/<int:number_id>")
@roles_required(ADMIN)
def update_number(number_id: int):
    number = _number_or_404(number_id)
    form = SwitchesForm()
    if form.validate():
        service.set_switches(
            number, outgoing=form.outgoing_enabled.data, recording=form.recording_enabled.data
        )
        db.session().commit()
        flash(f"{number.number} saved.", "success")
    return redirect(url_for("numbers.numbers"))


@bp.post("/numbers/<int:number_id>/delete")
@roles_required(ADMIN)
def unlink_number(number_id: int):
    number = _number_or_404(number_id)
    service.unlink_number(db.session(), number)
    db.session().commit()
    flash(f"{number.number} unlinked here. It stays in the Twilio account.", "success")
    return redirect(url_for("numbers.numbers"))


@bp.post("/numbers/<int:number_id>/operators")
@roles_required(ADMIN)
def add_operator(number_id: int):
    number = _number_or_404(number_id)
    form = OperatorForm()
    dbs = db.session()
    user = accounts.get_user(dbs, form.user_id.data) if form.validate() else None
    try:
        service.add_operator(
            dbs,
            number,
            user,
            outgoing=form.outgoing_enabled.data,
            recording=form.recording_enabled.data,
        )
    except service.NumberError as exc:
        flash(f"{exc}.", "error")
    else:
        dbs.commit()
        flash(f"{user.name} now operates {number.number}.", "success")
    return redirect(url_for("numbers.numbers"))


def _operator_or_404(number_id: int, operator_id: int) -> NumberOperator:
    operator = service.get_operator(db.session(), number_id, operator_id)
    if operator is None:
        abort(404)
    return operator


@bp.post("/numbers/<int:number_id>/operators/<int:operator_id>")
@roles_required(ADMIN)
def update_operator(number_id: int, operator_id: int):
    operator = _operator_or_404(number_id, operator_id)
    form = SwitchesForm()
    if form.validate():
        service.set_switches(
            operator, outgoing=form.outgoing_enabled.data, recording=form.recording_enabled.data
        )
        db.session().commit()
        flash("Operator saved.", "success")
    return redirect(url_for("numbers.numbers"))


@bp.post("/numbers/<int:number_id>/operators/<int:operator_id>/delete")
@roles_required(ADMIN)
def remove_operator(number_id: int, operator_id: int):
    operator = _operator_or_404(number_id, operator_id)
    service.remove_operator(db.session(), operator)
    db.session().commit()
    flash("Operator removed.", "success")
    return redirect(url_for("numbers.numbers"))
