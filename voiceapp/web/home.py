"""The panel's start page."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from voiceapp import db
from voiceapp.services.contacts import visible_summary

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    dbs = db.session()
    contact_total, recent = visible_summary(dbs, current_user)
    return render_template("home.html", contact_total=contact_total, recent=recent)
