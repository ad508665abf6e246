"""Telephony settings (admin only): the Twilio account, the IVR and business hours, and
the webhook URLs to paste into Twilio's console. Numbers live in web/numbers.py."""

from __future__ import annotations

import re
from itertools import pairwise

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    PasswordField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from voiceapp import db
from voiceapp.auth import roles_required
from voiceapp.domain.business_hours import WEEKDAYS, validate_business_hours
from voiceapp.domain.roles import ADMIN
from voiceapp.services.team_settings import get_team_settings, update_team_settings
from voiceapp.telephony.urls import public_url

bp = Blueprint("telephony_admin", __name__)

WEEKDAY_LABELS = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}
SPAN = re.compile(r"^(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})$")
MAX_IVR_CHOICES = 9  # the IVR menus take one key press
WEBHOOKS = (
    ("Voice URL of each number (A call comes in)", "twilio_voice.inbound"),
    ("Call status changes (status callback)", "twilio_callbacks.status"),
    ("Primary handler fails (fallback URL)", "twilio_voice.fallback"),
    ("TwiML App's Voice Request URL (browser softphone)", "twilio_voice.outbound_call"),
    ("Recording status callback", "twilio_callbacks.recording"),
)


def strip_text(value):
    return value.strip() if isinstance(value, str) else value


def _sid(label: str, prefix: str) -> StringField:
    return StringField(
        label,
        filters=[strip_text],
        validators=[
            Optional(),
            Regexp(
                rf"^{prefix}[0-9a-fA-F]{{32}}$",
                message=f"the {label} must be {prefix} followed by 32 hexadecimal characters",
            ),
        ],
    )


def _secret(label: str) -> PasswordField:
    return PasswordField(
        label,
        filters=[strip_text],
        validators=[
            Optional(),
            Length(min=16, max=128),
            Regexp(r"^\S+$", message="no spaces: paste it exactly as Twilio shows it"),
        ],
    )


def parse_hours(text: str, day: str) -> tuple[list[list[str]], list[str]]:
    """ "09:00-12:30, 14:00-18:00" -> ([["09:00", "12:30"], ["14:00", "18:00"]], problems)."""
    spans = []
    for part in (p.strip() for p in (text or "").split(",")):
        if not part:
            continue
        match = SPAN.match(part)
        if not match:
            return [], [f"{part!r} is not like 09:00-18:00"]
        spans.append([match.group(1), match.group(2)])
    problems = validate_business_hours({day: spans})
    if problems:
        return [], [p.removeprefix(f"{day}: ") for p in problems]
    spans = [[f"{int(t[:-3]):02d}:{t[-2:]}" for t in span] for span in spans]
    spans.sort()
    for before, after in pairwise(spans):
        if after[0] < before[1]:
            return [], [f"{before[0]}-{before[1]} and {after[0]}-{after[1]} overlap"]
    return spans, []


def _hours_field(day: str) -> StringField:
    def check(form, field):
        problems = parse_hours(field.data, day)[1]
        if problems:
            raise ValidationError("; ".join(problems))

    return StringField(WEEKDAY_LABELS[day], filters=[strip_text], validators=[check])


class TelephonySettingsForm(FlaskForm):
    twilio_account_sid = _sid("Account SID", "AC")
    twilio_auth_token = _secret("Auth Token")
    clear_auth_token = BooleanField("Remove the saved Auth Token")
    twilio_api_key_sid = _sid("API key SID", "SK")
    twilio_api_key_secret = _secret("API key secret")
    clear_api_key_secret = BooleanField("Remove the saved API key secret")
    twilio_twiml_app_sid = _sid("TwiML App SID", "AP")
    languages = StringField(
        "IVR languages (two-letter codes in menu order, comma separated)",
        filters=[strip_text],
        validators=[InputRequired()],
    )
    ivr_case_types = SelectMultipleField(
        "Reasons for the call the IVR offers",
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    hours_mon = _hours_field("mon")
    hours_tue = _hours_field("tue")
    hours_wed = _hours_field("wed")
    hours_thu = _hours_field("thu")
    hours_fri = _hours_field("fri")
    hours_sat = _hours_field("sat")
    hours_sun = _hours_field("sun")
    ring_timeout_seconds = IntegerField(
        "Ring timeout (seconds)", validators=[InputRequired(), NumberRange(min=5, max=120)]
    )
    wrap_up_seconds = IntegerField(
        "Wrap-up after a call (seconds): the agent does not ring meanwhile",
        validators=[InputRequired(), NumberRange(min=0, max=600)],
    )
    delete_recordings_at_twilio = BooleanField("Delete recordings at Twilio once stored here")

    def language_codes(self) -> list[str]:
        return [c.strip().lower() for c in re.split(r"[,;\s]+", self.languages.data or "") if c]

    def validate_languages(self, field):
        codes = self.language_codes()
        for code in codes:
            if len(code) != 2 or not code.isalpha() or not code.isascii():
                raise ValidationError(f"{code!r} is not a two-letter language code")
        if not codes:
            raise ValidationError("the IVR needs at least one language")
        if len(set(codes)) != len(codes):
            raise ValidationError("a language is listed twice")
        if len(codes) > MAX_IVR_CHOICES:
            raise ValidationError(f"at most {MAX_IVR_CHOICES} languages (one key each)")

    def validate_ivr_case_types(self, field):
        if len(field.data or []) > MAX_IVR_CHOICES:
            raise ValidationError(f"at most {MAX_IVR_CHOICES} reasons (one key each)")

    def hours_fields(self):
        return [getattr(self, f"hours_{day}") for day in WEEKDAYS]

    def business_hours(self) -> dict:
        return {day: parse_hours(getattr(self, f"hours_{day}").data, day)[0] for day in WEEKDAYS}


def _fill_settings_form(form: TelephonySettingsForm, row) -> None:
    for name in ("twilio_account_sid", "twilio_api_key_sid", "twilio_twiml_app_sid"):
        getattr(form, name).data = getattr(row, name) or ""
    form.languages.data = ", ".join(row.languages or [])
    form.ivr_case_types.data = list(row.ivr_case_types or [])
    for day in WEEKDAYS:
        spans = (row.business_hours or {}).get(day, [])
        getattr(form, f"hours_{day}").data = ", ".join(f"{a}-{b}" for a, b in spans)
    form.ring_timeout_seconds.data = row.ring_timeout_seconds
    form.wrap_up_seconds.data = row.wrap_up_seconds
    form.delete_recordings_at_twilio.data = row.delete_recordings_at_twilio


def _settings_changes(form: TelephonySettingsForm) -> dict:
    changes = {}
    for name in ("twilio_account_sid", "twilio_api_key_sid", "twilio_twiml_app_sid"):
        value = getattr(form, name).data
        # Twilio's SIDs are two capitals and lower-case hexadecimal.
        changes[name] = value[:2] + value[2:].lower() if value else None
    for name, clear in (
        ("twilio_auth_token", form.clear_auth_token.data),
        ("twilio_api_key_secret", form.clear_api_key_secret.data),
    ):
        if getattr(form, name).data:  # empty keeps the saved secret
            changes[name] = getattr(form, name).data
        elif clear:
            changes[name] = None
    changes["languages"] = form.language_codes()
    changes["ivr_case_types"] = list(form.ivr_case_types.data or [])
    changes["business_hours"] = form.business_hours()
    changes["ring_timeout_seconds"] = form.ring_timeout_seconds.data
    changes["wrap_up_seconds"] = form.wrap_up_seconds.data
    changes["delete_recordings_at_twilio"] = form.delete_recordings_at_twilio.data
    return changes


def _secret_state(saved: str | None, from_env: str | None) -> str:
    if saved:
        return f"saved (ends with …{saved[-4:]})"
    if from_env:
        return "taken from the server's environment"
    return "not set"


@bp.route("/settings/telephony", methods=["GET", "POST"])
@roles_required(ADMIN)
def settings():
    dbs = db.session()
    # Only a save writes; showing the page must not create the settings row.
    row = get_team_settings(dbs)
    form = TelephonySettingsForm()
    form.ivr_case_types.choices = [SelectChoice(c["key"], c["label"]) for c in row.case_types or []]
    if not form.is_submitted():
        _fill_settings_form(form, row)
    elif form.validate():
        update_team_settings(dbs, **_settings_changes(form))
        dbs.commit()
        flash("Telephony settings saved.", "success")
        return redirect(url_for("telephony_admin.settings"))
    else:
        flash("Nothing was saved: please correct the marked fields.", "error")
    env = current_app.config["VOICEAPP"]
    return render_template(
        "telephony/settings.html",
        form=form,
        auth_token_state=_secret_state(row.twilio_auth_token, env.twilio_auth_token),
        api_key_secret_state=_secret_state(row.twilio_api_key_secret, env.twilio_api_key_secret),
        webhooks=[(label, public_url(endpoint)) for label, endpoint in WEBHOOKS],
        public_base_url=env.public_base_url,
        retention_days=row.recording_retention_days,
    ), (422 if form.is_submitted() else 200)


# --- numbers ------------------------------------------------------------------------------
