"""/api/members and /api/team/commission-settings.

Sales managers and admins read the members (payout factors included; manager commissions
for admins only, the key left out for others) and the commission settings (they create
payouts, which need the currencies and the minimum); admins change both. Agents get 403.
A non-admin's write is refused before its body is read."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

from flask import request
from flask.views import MethodView
from flask_smorest import abort

from voiceapp import db
from voiceapp.api.blueprint import Blueprint
from voiceapp.auth import authenticate_api_request, require_api_user
from voiceapp.db import utcnow
from voiceapp.domain.commission_rights import may_change_commission_settings
from voiceapp.domain.roles import can_manage_members, is_manager_or_admin
from voiceapp.schemas.team import (
    CommissionSettingsSchema,
    MemberListArgsSchema,
    MemberListSchema,
    MemberPatchSchema,
    MemberSchema,
)
from voiceapp.services import accounts
from voiceapp.services.commission_settings import (
    CommissionSettingsError,
    commission_settings,
    set_commission_settings,
)
from voiceapp.services.members import MemberError, change_member, member_view

if TYPE_CHECKING:
    from voiceapp.models import User

blp = Blueprint("Team", __name__, url_prefix="/api", description="Members and team settings")
blp.before_request(require_api_user)


@blp.before_request
def managers_and_admins_only() -> None:
    role = authenticate_api_request().role
    if not is_manager_or_admin(role):
        abort(403, message="sales managers and admins only")
    if request.method not in ("GET", "HEAD", "OPTIONS") and not (
        can_manage_members(role) and may_change_commission_settings(role)
    ):
        abort(403, message="only admins change members and team settings")


@contextmanager
def refused_as_422(*errors):
    """A refused change answers 422 in marshmallow's shape; nothing is stored."""
    try:
        yield
    except errors as exc:
        db.session().rollback()
        abort(422, errors={"json": exc.errors})


def load_member(user_id: int) -> User:
    user = accounts.get_user(db.session(), user_id)
    if user is None:
        abort(404, message="member not found")
    return user


@blp.route("/members")
class Members(MethodView):
    @blp.arguments(MemberListArgsSchema, location="query")
    @blp.response(200, MemberListSchema)
    @blp.alt_response(403, description="Agents do not read the member list")
    def get(self, args):
        """The team's members, active ones first (`removed=true`: those removed)."""
        role = authenticate_api_request().role
        users = accounts.team_members(db.session(), removed=args["removed"])
        items = [member_view(u, role) for u in users]
        return {"items": items, "total": len(items)}


@blp.route("/members/<int:user_id>")
class MemberById(MethodView):
    @blp.response(200, MemberSchema)
    @blp.alt_response(403, description="Agents do not read members")
    def get(self, user_id):
        return member_view(load_member(user_id), authenticate_api_request().role)

    @blp.arguments(MemberPatchSchema)
    @blp.response(200, MemberSchema)
    @blp.alt_response(403, description="Only admins change members")
    def patch(self, data, user_id):
        """Change the given settings (admins). `sales_manager` sets the role of an agent or
        sales manager; an admin's role is changed in the panel. Admins cannot switch
        themselves off."""
        acting = authenticate_api_request()
        user = load_member(user_id)
        dbs = db.session()
        with refused_as_422(MemberError):
            change_member(dbs, user, data, acting=acting, now=utcnow())
        dbs.commit()
        return member_view(user, acting.role)


@blp.route("/team/commission-settings")
class CommissionSettings(MethodView):
    @blp.response(200, CommissionSettingsSchema)
    @blp.alt_response(403, description="Agents do not read the team's settings")
    def get(self):
        """The team's commission settings."""
        return commission_settings(db.session())

    @blp.arguments(CommissionSettingsSchema)
    @blp.response(200, CommissionSettingsSchema)
    @blp.alt_response(403, description="Only admins change the team's settings")
    def patch(self, data):
        """Change the given settings (admins); the others stay."""
        dbs = db.session()
        with refused_as_422(CommissionSettingsError):
            set_commission_settings(dbs, data)
        dbs.commit()
        return commission_settings(dbs)
