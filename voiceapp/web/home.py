"""The panel's start page."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import func, select

from voiceapp import db
from voiceapp.models import Contact
from voiceapp.services.contacts import visible_contacts_filter

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    dbs = db.session()
    visible = visible_contacts_filter(current_user)
    contact_total = dbs.scalar(select(func.count()).select_from(Contact).where(visible))
    recent = dbs.scalars(
        select(Contact).where(visible).order_by(Contact.updated_at.desc()).limit(10)
    ).all()
    return render_template("home.html", contact_total=contact_total, recent=recent)
