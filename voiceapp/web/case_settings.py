"""Case settings (admin only): the case types, how long a claim holds, how many
not-reached calls close a case, and when customers may be called (their local time)."""

from __future__ import annotations

import re

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from voiceapp import db
from voiceapp.auth import roles_required
from voiceapp.domain.cases import DAY_NAMES, calling_window, describe_window
from voiceapp.domain.roles import ADMIN
from voiceapp.services.cases import CALLBACK_TYPES, open_counts_of_other_types
from voiceapp.services.team_settings import get_team_settings, update_team_settings

bp = Blueprint("case_settings", __name__)
HHMM = Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", message="a time such as 09:00")
TYPE_LINE = re.compile(r"^\s*([a-z][a-z0-9_]{0,39})\s*:\s*(.{1,80}?)\s*$")


def parse_case_types(text: str) -> tuple[list[dict], list[str]]:
    """ "key: Label" lines -> [{"key", "label"}], with the lines that are not."""
    types, problems = [], []
    for n, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        match = TYPE_LINE.match(line)
        if match is None:
            problems.append(f"line {n}: write key: Label (key in lower case, a-z, 0-9, _)")
        else:
            types.append({"key": match.group(1), "label": match.group(2)})
    keys = [t["key"] for t in types]
    if len(set(keys)) != len(keys):
        problems.append("a key is listed twice")
    return types, problems


class CaseSettingsForm(FlaskForm):
    case_types = TextAreaField("Case types (one per line, key: Label)")
    case_claim_minutes = IntegerField(
        "Claim time (minutes an opened case stays with the agent calling)",
        validators=[InputRequired(), NumberRange(min=1, max=240)],
    )
    max_not_reached = IntegerField(
        "Not-reached calls before a case closes as unreachable",
        validators=[InputRequired(), NumberRange(min=1, max=100)],
    )
    calling_window_opens = StringField("Customers may be called from", validators=[HHMM])
    calling_window_closes = StringField("until", validators=[HHMM])
    calling_days = SelectMultipleField(
        "on",
        choices=[SelectChoice(str(n), name) for n, name in enumerate(DAY_NAMES)],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )

    def validate_case_types(self, field):
        types, problems = parse_case_types(field.data)
        if problems:
            raise ValidationError("; ".join(problems))
        keys = {t["key"] for t in types}
        missing = [k for k in CALLBACK_TYPES if k not in keys]
        if missing:
            raise ValidationError(
                f"{', '.join(missing)} must stay: missed calls and voicemails open them"
            )
        in_use = open_counts_of_other_types(db.session(), keys)
        if in_use:
            listed = ", ".join(f"{t} ({n} open)" for t, n in in_use)
            raise ValidationError(f"still used by open cases: {listed}")

    def validate_calling_window_closes(self, field):
        if not self.calling_window_opens.errors and field.data <= self.calling_window_opens.data:
            raise ValidationError("must be later than the opening time")

    def validate_calling_days(self, field):
        if not field.data:
            raise ValidationError("pick at least one day")


@bp.route("/settings/cases", methods=["GET", "POST"])
@roles_required(ADMIN)
def settings():
    dbs = db.session()
    row = get_team_settings(dbs)
    form = CaseSettingsForm()
    if not form.is_submitted():
        form.case_types.data = "\n".join(f"{t['key']}: {t['label']}" for t in row.case_types)
        for name in ("case_claim_minutes", "max_not_reached"):
            getattr(form, name).data = getattr(row, name)
        form.calling_window_opens.data = row.calling_window_opens
        form.calling_window_closes.data = row.calling_window_closes
        form.calling_days.data = [str(d) for d in row.calling_days]
    elif form.validate():
        update_team_settings(
            dbs,
            case_types=parse_case_types(form.case_types.data)[0],
            case_claim_minutes=form.case_claim_minutes.data,
            max_not_reached=form.max_not_reached.data,
            calling_window_opens=form.calling_window_opens.data,
            calling_window_closes=form.calling_window_closes.data,
            calling_days=sorted(int(d) for d in form.calling_days.data),
        )
        dbs.commit()
        flash("Case settings saved.", "success")
        return redirect(url_for("case_settings.settings"))
    else:
        flash("Nothing was saved: please correct the marked fields.", "error")
    window = calling_window(row.calling_window_opens, row.calling_window_closes, row.calling_days)
    return render_template("cases/settings.html", form=form, window=describe_window(window)), (
        422 if form.is_submitted() else 200
    )
