"""Recordings settings (admins): the format recordings are kept in (MP3 or WAV), how
long they are kept, what the retention job will delete next, and the criteria managers
score calls on (add, rename, remove; a criterion's key never changes, so old reviews keep
reading right)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from voiceapp import db
from voiceapp.auth import roles_required
from voiceapp.db import utcnow
from voiceapp.domain import recording_media
from voiceapp.domain import reviews as rules
from voiceapp.domain.roles import ADMIN
from voiceapp.services.calls import retention
from voiceapp.services.team_settings import get_team_settings, update_team_settings

bp = Blueprint("recording_settings", __name__)
MAX_ROWS = 40  # the form's rows read; more is not a person filling it in


def _retention_days(form, problems: list[str]) -> int | None:
    if form.get("keep_forever") == "1":
        return None
    text = (form.get("retention_days") or "").strip()
    if not text.isdigit() or len(text) > 6:
        problems.append("Retention: a number of days, or keep recordings forever.")
        return None
    days = int(text)
    if (problem := rules.retention_days_problem(days)) is not None:
        problems.append(f"Retention: {problem}.")
    return days


def _media_format(form, problems: list[str], current: str) -> str:
    # Not sent (a form of before the choice existed): the format stays as it is.
    chosen = form.get("recording_format", current)
    if (problem := recording_media.format_problem(chosen)) is not None:
        problems.append(f"Format: {problem}.")
    return chosen


def _criteria_rows(form) -> list[tuple[str, str]]:
    rows = []
    for i in range(MAX_ROWS):
        if f"key-{i}" not in form:
            break
        removed = form.get(f"remove-{i}") == "1"
        rows.append((form[f"key-{i}"], "" if removed else form.get(f"label-{i}", "")))
    rows.append(("", form.get("new_label", "")))
    return rows


@bp.route("/settings/recordings", methods=["GET", "POST"])
@roles_required(ADMIN)
def settings():
    dbs = db.session()
    row = get_team_settings(dbs)  # showing the page must not create the settings row
    problems: list[str] = []
    values = None
    if request.method == "POST":
        media_format = _media_format(request.form, problems, row.recording_format)
        days = _retention_days(request.form, problems)
        criteria, criteria_problems = rules.edit_criteria(
            list(row.review_criteria or []), _criteria_rows(request.form)
        )
        problems += criteria_problems
        if not problems:
            update_team_settings(
                dbs,
                recording_format=media_format,
                recording_retention_days=days,
                review_criteria=criteria,
            )
            dbs.commit()
            flash("Recordings settings saved.", "success")
            return redirect(url_for("recording_settings.settings"))
        dbs.rollback()
        values = request.form
    due, upcoming = retention.upcoming_deletions(dbs, now=utcnow())
    return render_template(
        "telephony/recordings.html",
        settings=row,
        problems=problems,
        values=values,
        due=due,
        upcoming=upcoming,
        max_days=rules.MAX_RETENTION_DAYS,
        formats=recording_media.LABELS,
        now_utc=utcnow(),
    ), (422 if problems else 200)
