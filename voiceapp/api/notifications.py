"""/api/notifications: the signed-in user's notifications, unread first."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import abort

from voiceapp import db
from voiceapp.api.blueprint import Blueprint
from voiceapp.auth import authenticate_api_request, require_api_user
from voiceapp.db import utcnow
from voiceapp.schemas.notifications import (
    NotificationListArgsSchema,
    NotificationPageSchema,
    NotificationSchema,
)
from voiceapp.services import notifications

blp = Blueprint(
    "Notifications", __name__, url_prefix="/api", description="The user's notifications"
)
blp.before_request(require_api_user)


@blp.route("/notifications")
class Notifications(MethodView):
    @blp.arguments(NotificationListArgsSchema, location="query")
    @blp.response(200, NotificationPageSchema)
    def get(self, args):
        """My notifications: unread first, then newest first (`unread=1`: unread only)."""
        user = authenticate_api_request()
        dbs = db.session()
        items, total = notifications.list_notifications(
            dbs, user, unread_only=args["unread"], page=args["page"], per_page=args["per_page"]
        )
        return {
            "items": items,
            "total": total,
            "page": args["page"],
            "per_page": args["per_page"],
            "unread": notifications.unread_count(dbs, user.id),
        }


@blp.route("/notifications/<int:notification_id>/read")
class NotificationRead(MethodView):
    @blp.response(200, NotificationSchema)
    @blp.alt_response(404, description="no such notification of mine")
    def post(self, notification_id):
        """Mark one of my notifications read (again: no change)."""
        user = authenticate_api_request()
        dbs = db.session()
        notification = notifications.mark_read(dbs, user, notification_id, now=utcnow())
        if notification is None:
            abort(404, message="notification not found")
        dbs.commit()
        return notification
