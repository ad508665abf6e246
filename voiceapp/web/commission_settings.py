"""Commission settings (admins): the team's share, approval, sharing across the team,
the withdrawal period, payout currencies and the minimum payout. Checked and saved by
services.commission_settings, as the API's PATCH is."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from voiceapp import db
from voiceapp.auth import roles_required
from voiceapp.domain.roles import ADMIN
from voiceapp.services.commission_settings import (
    CommissionSettingsError,
    commission_settings,
    set_commission_settings,
)

bp = Blueprint("commission_settings", __name__)


def _from_form(form) -> dict:
    days = (form.get("withdrawal_days") or "").strip()
    return {
        "team_share_percent": form.get("team_share_percent", ""),
        "approval_required": form.get("approval_required") == "y",
        "share_across_team": form.get("share_across_team") == "y",
        "withdrawal_days": int(days) if days.isdigit() and len(days) < 6 else days,
        "payout_currencies": form.get("payout_currencies", ""),
        "minimum_payout": form.get("minimum_payout", ""),
    }


@bp.route("/settings/commissions", methods=["GET", "POST"])
@roles_required(ADMIN)
def settings():
    dbs = db.session()
    values, errors = commission_settings(dbs), {}
    if request.method == "POST":
        values = _from_form(request.form)
        try:
            set_commission_settings(dbs, values)
        except CommissionSettingsError as exc:
            dbs.rollback()
            errors = exc.errors
            flash("Nothing was saved: please correct the marked fields.", "error")
        else:
            dbs.commit()
            flash("Commission settings saved.", "success")
            return redirect(url_for("commission_settings.settings"))
    shown = {**values}
    if isinstance(shown["payout_currencies"], list):
        shown["payout_currencies"] = ", ".join(shown["payout_currencies"])
    return render_template("team/commission_settings.html", values=shown, errors=errors), (
        422 if errors else 200
    )
