"""The signed-in user's notifications (cases falling due ...), and the unread badge in
the panel's header."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from voiceapp import db
from voiceapp.db import utcnow
from voiceapp.services import notifications
from voiceapp.services.cases.reminders import case_path
from voiceapp.services.tasks import TASK_DUE
from voiceapp.web.paging import requested_page

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
PER_PAGE = 50


def unread_notifications() -> int:
    """For the header badge (jinja global); 0 when nobody is signed in."""
    if not current_user.is_authenticated:
        return 0
    return notifications.unread_count(db.session(), current_user.id)


@bp.get("")
@login_required
def index():
    unread_only = request.args.get("unread") == "1"
    page = requested_page()
    items, total = notifications.list_notifications(
        db.session(), current_user, unread_only=unread_only, page=page, per_page=PER_PAGE
    )
    return render_template(
        "notifications/list.html",
        items=items,
        total=total,
        page=page,
        per_page=PER_PAGE,
        unread_only=unread_only,
        case_path=case_path,
    )


@bp.post("/<int:notification_id>/read")
@login_required
def mark_read(notification_id: int):
    dbs = db.session()
    notification = notifications.mark_read(dbs, current_user, notification_id, now=utcnow())
    if notification is None:
        abort(404)
    dbs.commit()
    if request.form.get("open") and notification.case_id:
        return redirect(case_path(notification.case_id))
    if request.form.get("open") and notification.kind == TASK_DUE:
        return redirect(url_for("tasks.mine"))
    return redirect(url_for("notifications.index"))


@bp.post("/read-all")
@login_required
def mark_all_read():
    dbs = db.session()
    notifications.mark_all_read(dbs, current_user, now=utcnow())
    dbs.commit()
    return redirect(url_for("notifications.index"))
