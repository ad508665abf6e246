"""Adding several members at once (admins): pasted e-mails or a CSV, the settings to give
them, whether members already in the team take them; a preview of who is new, who would
change and how, who stays and which lines are refused, before "Add" saves it all in one
transaction and invites each new member by e-mail."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DecimalField, HiddenField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, ValidationError

from voiceapp import db
from voiceapp.auth import roles_required
from voiceapp.db import utcnow
from voiceapp.domain.languages import language_label
from voiceapp.domain.member_import import SETTING_LABELS, read_csv, read_pasted
from voiceapp.domain.members import factor_from_percent, percent_from_factor
from voiceapp.domain.roles import ADMIN, AGENT, ROLE_LABELS
from voiceapp.services import member_import
from voiceapp.services.team_settings import get_team_settings
from voiceapp.web.members import MemberForm, _checkboxes

bp = Blueprint("member_bulk", __name__, url_prefix="/members")
MAX_TEXT = 200_000


class BulkAddForm(FlaskForm):
    emails = TextAreaField("E-mail addresses, one per line", validators=[Length(max=MAX_TEXT)])
    csv_file = FileField("or a CSV file (columns email, name, role)")
    # The CSV read at the preview, carried to "Add" (a file input cannot be refilled).
    csv_text = HiddenField(validators=[Length(max=MAX_TEXT)])
    role = SelectField(
        "Role", choices=[SelectChoice(r, label) for r, label in ROLE_LABELS.items()], default=AGENT
    )
    payout_factor_percent = DecimalField(
        "Payout factor (%)",
        default=Decimal("100"),
        places=2,
        validators=[InputRequired(), NumberRange(min=0, max=100)],
    )
    can_receive_payouts = BooleanField("Freelancer: can receive payouts")
    can_approve_commissions = BooleanField("Can approve commissions")
    can_set_affiliates = BooleanField("Can set affiliates on orders")
    can_change_affiliates = BooleanField("Can change affiliates on bookings")
    payouts_held = BooleanField("Payouts held")
    case_types = _checkboxes("Case types handled")
    languages = _checkboxes("Languages spoken")
    overwrite = BooleanField("Overwrite existing settings (members already in the team take these)")

    offer_team_choices = MemberForm.offer_team_choices

    def validate_payout_factor_percent(self, field):
        if field.data is not None and -field.data.as_tuple().exponent > 2:
            raise ValidationError("at most two decimals")

    def settings(self) -> dict:
        return {
            "role": self.role.data,
            "payout_factor": factor_from_percent(self.payout_factor_percent.data),
            "can_receive_payouts": self.can_receive_payouts.data,
            "can_approve_commissions": self.can_approve_commissions.data,
            "can_set_affiliates": self.can_set_affiliates.data,
            "can_change_affiliates": self.can_change_affiliates.data,
            "payouts_held": self.payouts_held.data,
            "case_types": list(dict.fromkeys(self.case_types.data or [])),
            "languages": list(dict.fromkeys(self.languages.data or [])),
        }

    def read_people(self) -> list:
        """Pasted lines and the CSV (a new upload, else the one carried from the preview);
        the CSV's text is kept in csv_text for the next step."""
        upload = self.csv_file.data
        if upload is not None and getattr(upload, "filename", ""):
            raw = upload.read(MAX_TEXT + 1)
            if len(raw) > MAX_TEXT:
                self.csv_file.errors = [f"at most {MAX_TEXT // 1000} kB"]
                return []
            try:
                self.csv_text.data = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                self.csv_file.errors = ["save the CSV as UTF-8"]
                return []
        people = read_pasted(self.emails.data or "")
        if (self.csv_text.data or "").strip():
            people += read_csv(self.csv_text.data)
        if not people:
            self.emails.errors = ["paste at least one e-mail address or choose a CSV file"]
        return people


def _describe(setting: str, value, type_labels: dict, language_label) -> str:
    if setting == "role":
        return ROLE_LABELS.get(value, value)
    if setting == "payout_factor":
        return f"{percent_from_factor(value)} %"
    if setting == "case_types":
        return ", ".join(type_labels.get(k, k) for k in value) or "none"
    if setting == "languages":
        return ", ".join(language_label(c) for c in value) or "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _saved_message(added: int, changed: int, left_out: int) -> str:
    text = f"{_count(added, 'member', 'members')} added and invited by e-mail, {changed} changed"
    if left_out:
        text += f"; {_count(left_out, 'line', 'lines')} left out"
    return text + "."


def _invitation_link(token: str) -> str:
    base = current_app.config["VOICEAPP"].public_base_url or request.host_url
    return base.rstrip("/") + url_for("invitations.accept", invitation=token)


@bp.route("/add-several", methods=["GET", "POST"])
@roles_required(ADMIN)
def add_several():
    dbs = db.session()
    team = get_team_settings(dbs)
    form = BulkAddForm()
    form.offer_team_choices(team, None)
    plan = None
    if form.validate_on_submit():
        people = form.read_people()
        if not (form.emails.errors or form.csv_file.errors):
            settings = form.settings()
            plan = member_import.plan(
                dbs, people, settings=settings, overwrite=form.overwrite.data, acting=current_user
            )
            if "confirm" in request.form and plan.saves_anything:
                added, changed = member_import.save(
                    dbs,
                    plan,
                    acting=current_user,
                    link_for=_invitation_link,
                    secret_key=current_app.secret_key,
                    team_name=team.seller_name or "the team",
                    now=utcnow(),
                )
                dbs.commit()
                flash(_saved_message(added, changed, len(plan.bad)), "success")
                return redirect(url_for("members.index"))
    errors = form.is_submitted() and any(f.errors for f in form)
    return render_template(
        "members/add_several.html",
        form=form,
        plan=plan,
        labels=SETTING_LABELS,
        describe=lambda s, v: _describe(
            s, v, {t["key"]: t["label"] for t in team.case_types or []}, language_label
        ),
    ), (422 if errors else 200)
