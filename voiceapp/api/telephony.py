"""/api/token (softphone access token), /api/agents/me/presence, /api/calls."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from voiceapp import db
from voiceapp.auth import authenticate_api_request, require_api_user
from voiceapp.db import utcnow
from voiceapp.domain.agent_identity import client_identity
from voiceapp.schemas.calls import (
    CallDetailSchema,
    CallListArgsSchema,
    CallPageSchema,
    PresenceInputSchema,
    PresenceSchema,
    VoiceTokenSchema,
)
from voiceapp.services import calls
from voiceapp.services.calls import reviews
from voiceapp.telephony.credentials import current_credentials
from voiceapp.telephony.tokens import TOKEN_TTL_SECONDS, voice_access_token

blp = Blueprint("Telephony", __name__, url_prefix="/api", description="Softphone and calls")
blp.before_request(require_api_user)


@blp.route("/token")
class Token(MethodView):
    @blp.response(200, VoiceTokenSchema)
    @blp.alt_response(503, description="Twilio is not configured for softphones")
    def get(self):
        """A Twilio Voice access token for the signed-in agent's browser softphone."""
        user = authenticate_api_request()
        creds = current_credentials(db.session())
        if not creds.can_issue_tokens:
            abort(
                503,
                message="softphone not configured: Account SID, API key and secret "
                "and TwiML App SID are needed (Telephony settings)",
            )
        identity = client_identity(user.id)
        return {
            "token": voice_access_token(creds, identity),
            "identity": identity,
            "ttl": TOKEN_TTL_SECONDS,
        }


@blp.route("/agents/me/presence")
class Presence(MethodView):
    @blp.response(200, PresenceSchema)
    def get(self):
        user = authenticate_api_request()
        return calls.presence_of(db.session(), user, now=utcnow())

    @blp.arguments(PresenceInputSchema)
    @blp.response(200, PresenceSchema)
    def put(self, data):
        """Go online (calls ring in this browser), offline, or busy."""
        user = authenticate_api_request()
        presence = calls.set_presence(db.session(), user, data["status"], now=utcnow())
        db.session().commit()
        return presence


@blp.route("/calls")
class Calls(MethodView):
    @blp.arguments(CallListArgsSchema, location="query")
    @blp.response(200, CallPageSchema)
    def get(self, args):
        """Calls, newest first. Agents see their own calls and unanswered ones."""
        user = authenticate_api_request()
        page, per_page = args.pop("page"), args.pop("per_page")
        items, total = calls.list_calls(db.session(), user, args, page=page, per_page=per_page)
        return {"items": items, "total": total, "page": page, "per_page": per_page}


@blp.route("/calls/<sid>")
class CallBySid(MethodView):
    @blp.response(200, CallDetailSchema)
    def get(self, sid):
        """One call with the callbacks received, its recordings, and the reviews the
        asker may read (managers and admins: all; an agent: those scoring them)."""
        user = authenticate_api_request()
        dbs = db.session()
        call = calls.call_by_sid(dbs, sid)
        if call is None or not calls.can_see_call(user, call):
            abort(404, message="call not found")
        return reviews.CallWithReviews(call, reviews.visible_reviews(dbs, call, user))
