"""Team members (admin only): add members, their role and member settings."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from voiceapp import db
from voiceapp.auth import roles_required
from voiceapp.db import utcnow
from voiceapp.domain.roles import ADMIN, ROLE_LABELS
from voiceapp.services import accounts

bp = Blueprint("members", __name__, url_prefix="/members")


def _split(text: str | list | None) -> list[str]:
    if isinstance(text, list):  # the stored value, when the form did not send the field
        return [str(p).strip() for p in text if str(p).strip()]
    return [p.strip() for p in (text or "").replace(";", ",").split(",") if p.strip()]


class MemberForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("E-mail", validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField("Role", choices=[SelectChoice(r, label) for r, label in ROLE_LABELS.items()])
    password = PasswordField(
        "Password (leave empty to keep)", validators=[Optional(), Length(min=10, max=200)]
    )
    active = BooleanField("Active", default=True)
    digistore_id = StringField("Digistore24 ID", validators=[Optional(), Length(max=64)])
    payout_factor = DecimalField(
        "Payout factor (share of the commission, 0 to 1)",
        default=Decimal("1"),
        places=4,
        validators=[NumberRange(min=0, max=1)],
    )
    manager_commission_percent = DecimalField(
        "Sales manager commission (%)",
        places=2,
        validators=[Optional(), NumberRange(min=0, max=100)],
    )
    can_receive_payouts = BooleanField("Can receive payouts (freelancer)")
    can_approve_commissions = BooleanField("Can approve commissions")
    can_set_affiliates = BooleanField("Can set affiliates on orders")
    can_change_affiliates = BooleanField("Can change affiliates on bookings")
    notify_by_email = BooleanField("Also send reminders of due cases by mail")
    case_types = StringField("Case types handled (comma separated)")
    languages = StringField("Languages (two-letter codes, comma separated)")

    def validate_languages(self, field):
        for code in _split(field.data):
            if len(code) != 2 or not code.isalpha():
                raise ValidationError(f"{code!r} is not a two-letter language code")

    SETTINGS = (
        "active",
        "digistore_id",
        "payout_factor",
        "manager_commission_percent",
        "can_receive_payouts",
        "can_approve_commissions",
        "can_set_affiliates",
        "can_change_affiliates",
        "notify_by_email",
    )

    def settings(self) -> dict:
        values = {name: getattr(self, name).data for name in self.SETTINGS}
        values["digistore_id"] = values["digistore_id"] or None
        values["case_types"] = _split(self.case_types.data)
        values["languages"] = [c.lower() for c in _split(self.languages.data)]
        return values


@bp.get("")
@roles_required(ADMIN)
def index():
    users = accounts.all_members(db.session())
    return render_template("members/list.html", users=users)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(ADMIN)
def create():
    form = MemberForm()
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors.append("A new member needs a password.")
        else:
            dbs = db.session()
            try:
                user = accounts.create_user(
                    dbs,
                    email=form.email.data,
                    name=form.name.data,
                    role=form.role.data,
                    password=form.password.data,
                    **form.settings(),
                )
            except accounts.AccountError as exc:
                dbs.rollback()
                form.email.errors.append(str(exc))
            else:
                dbs.commit()
                flash(f"Member {user.name} added.", "success")
                return redirect(url_for("members.index"))
    status = 422 if form.is_submitted() else 200
    return render_template("members/form.html", form=form, member=None), status


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@roles_required(ADMIN)
def edit(user_id: int):
    dbs = db.session()
    user = accounts.get_user(dbs, user_id)
    if user is None:
        abort(404)
    form = MemberForm(obj=user)
    if not form.is_submitted():
        form.case_types.data = ", ".join(user.case_types or [])
        form.languages.data = ", ".join(user.languages or [])
    if form.validate_on_submit():
        try:
            accounts.update_member(
                dbs,
                user,
                acting=current_user,
                name=form.name.data,
                email=form.email.data,
                role=form.role.data,
                password=form.password.data or None,
                settings=form.settings(),
                now=utcnow(),
            )
        except accounts.AccountError as exc:
            getattr(form, exc.field or "email").errors.append(str(exc))
        else:
            dbs.commit()
            flash(f"Member {user.name} saved.", "success")
            return redirect(url_for("members.index"))
    status = 422 if form.is_submitted() else 200
    return render_template("members/form.html", form=form, member=user), status
