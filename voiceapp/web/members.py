"""Team members: admins add, edit and remove members, their role and member settings;
sales managers read the list (payout factors, not manager commissions)."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from voiceapp import db
from voiceapp.auth import roles_required
from voiceapp.db import utcnow
from voiceapp.domain.commission_rights import sees_manager_commissions
from voiceapp.domain.languages import language_label
from voiceapp.domain.members import factor_from_percent, percent_from_factor
from voiceapp.domain.roles import ADMIN, ROLE_LABELS, SALES_MANAGER
from voiceapp.services import accounts
from voiceapp.services.team_settings import get_team_settings

bp = Blueprint("members", __name__, url_prefix="/members")


def _checkboxes(label: str) -> SelectMultipleField:
    return SelectMultipleField(
        label, widget=ListWidget(prefix_label=False), option_widget=CheckboxInput()
    )


class MemberForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("E-mail", validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField("Role", choices=[SelectChoice(r, label) for r, label in ROLE_LABELS.items()])
    password = PasswordField(
        "Password (leave empty to keep)", validators=[Optional(), Length(min=10, max=200)]
    )
    active = BooleanField("Active", default=True)
    digistore_id = StringField("Digistore24 ID", validators=[Optional(), Length(max=64)])
    payout_factor_percent = DecimalField(
        "Payout factor (%: the member's share of the commission)",
        default=Decimal("100"),
        places=2,
        validators=[InputRequired(), NumberRange(min=0, max=100)],
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
    payouts_held = BooleanField("Payouts held (keeps earning, not paid out)")
    notify_by_email = BooleanField("Also by mail: reminders, customers' answers to quotes")
    case_types = _checkboxes("Case types handled")
    languages = _checkboxes("Languages spoken")

    def offer_team_choices(self, team, member) -> None:
        """The team's case types and languages to choose from, by label. What the member has
        that the team no longer offers stays listed (and checked), so saving the form for
        another reason does not drop it silently; anything else is refused."""
        type_labels = {t["key"]: t["label"] for t in team.case_types or []}
        own_types = list(member.case_types or []) if member else []
        self.case_types.choices = [SelectChoice(k, label) for k, label in type_labels.items()] + [
            SelectChoice(key, f"{key} (no longer a team case type)")
            for key in own_types
            if key not in type_labels
        ]
        team_languages = list(team.languages or [])
        own_languages = list(member.languages or []) if member else []
        self.languages.choices = [SelectChoice(c, language_label(c)) for c in team_languages] + [
            SelectChoice(code, f"{language_label(code)} (not a team language)")
            for code in own_languages
            if code not in team_languages
        ]

    # The member settings this form has a plain field for (the lists are turned into
    # choices of the team's case types and languages below).
    SETTINGS = tuple(
        sorted(accounts.MEMBER_SETTINGS - {"case_types", "languages", "payout_factor"})
    )

    def validate_payout_factor_percent(self, field):
        if field.data is not None and -field.data.as_tuple().exponent > 2:
            raise ValidationError("at most two decimals")

    def settings(self) -> dict:
        values = {name: getattr(self, name).data for name in self.SETTINGS}
        values["payout_factor"] = factor_from_percent(self.payout_factor_percent.data)
        values["digistore_id"] = values["digistore_id"] or None
        values["case_types"] = list(dict.fromkeys(self.case_types.data or []))
        values["languages"] = list(dict.fromkeys(self.languages.data or []))
        return values


@bp.get("")
@roles_required(ADMIN, SALES_MANAGER)
def index():
    """The team (or, with ?removed=1, those removed from it); admins edit from here."""
    dbs = db.session()
    team = get_team_settings(dbs)
    removed = request.args.get("removed") == "1"
    return render_template(
        "members/list.html",
        users=accounts.team_members(dbs, removed=removed),
        removed=removed,
        editable=current_user.role == ADMIN,
        show_manager_commission=sees_manager_commissions(current_user.role),
        percent=percent_from_factor,
        type_labels={t["key"]: t["label"] for t in team.case_types or []},
        language_label=language_label,
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(ADMIN)
def create():
    form = MemberForm()
    form.offer_team_choices(get_team_settings(db.session()), None)
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
        form.payout_factor_percent.data = percent_from_factor(user.payout_factor)
    form.offer_team_choices(get_team_settings(dbs), user)
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


@bp.route("/<int:user_id>/remove", methods=["GET", "POST"])
@roles_required(ADMIN)
def remove(user_id: int):
    """Asks first (GET), then removes (POST): switched off, signed out, tokens revoked;
    their calls, orders and commissions keep naming them."""
    dbs = db.session()
    user = accounts.get_user(dbs, user_id)
    if user is None:
        abort(404)
    problem = None
    if user.id == current_user.id:
        problem = "You cannot remove yourself from the team."
    elif user.removed_at is not None:
        problem = f"{user.name} was already removed from the team."
    if request.method == "POST" and problem is None:
        accounts.remove_member(dbs, user, acting=current_user, now=utcnow())
        dbs.commit()
        flash(f"{user.name} was removed from the team.", "success")
        return redirect(url_for("members.index"))
    status = 422 if request.method == "POST" else 200
    return render_template("members/remove.html", member=user, problem=problem), status
