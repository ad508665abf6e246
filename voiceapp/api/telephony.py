"""/api/token (softphone access token), /api/agents/me/presence, /api/calls."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import abort

from voiceapp import db
from voiceapp.api.blueprint import Blueprint
from voiceapp.auth import authenticate_api_request, require_api_user
from voiceapp.db import utcnow
from voiceapp.domain.agent_identity import client_identity
from voiceapp.domain.phones import (
    InvalidPhoneNumber,
    format_international,
    normalize_phone,
    region_of,
)
from voiceapp.schemas.calls import (
    CallDetailSchema,
    CallerArgsSchema,
    CallerCardSchema,
    CallListArgsSchema,
    CallPageSchema,
    NormalizedNumberSchema,
    PhoneNumberArgsSchema,
    PresenceInputSchema,
    PresenceSchema,
    VoiceTokenSchema,
)
from voiceapp.services import calls
from voiceapp.services.calls import reviews
from voiceapp.services.calls.caller_card import caller_card
from voiceapp.telephony.credentials import current_credentials
from voiceapp.telephony.tokens import voice_access_token

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
        ttl = current_app.config["VOICEAPP"].voice_token_ttl_seconds
        return {"token": voice_access_token(creds, identity, ttl), "identity": identity, "ttl": ttl}


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


@blp.route("/agents/me/presence/heartbeat")
class PresenceHeartbeat(MethodView):
    @blp.response(200, PresenceSchema)
    def post(self):
        """The softphone's browser is still open. Without a heartbeat for
        PRESENCE_TIMEOUT_SECONDS the agent is offline and no longer rings; a heartbeat
        after that does not bring them back online (they go online again themselves)."""
        user = authenticate_api_request()
        presence = calls.heartbeat(db.session(), user, now=utcnow())
        db.session().commit()
        return presence


@blp.route("/phone-numbers/normalized")
class NormalizedNumber(MethodView):
    @blp.arguments(PhoneNumberArgsSchema, location="query")
    @blp.response(200, NormalizedNumberSchema)
    @blp.alt_response(422, description="not a valid phone number (errors.query.number)")
    def get(self, args):
        """A number written any way, as the server stores and dials it (E.164), read as
        contacts' numbers are: the softphone's dial pad uses it before calling."""
        authenticate_api_request()
        region = (args.get("region") or current_app.config["VOICEAPP"].default_region).upper()
        try:
            number = normalize_phone(args["number"], region)
        except InvalidPhoneNumber as exc:
            abort(422, errors={"query": {"number": [str(exc)]}})
        return {
            "number": number,
            "display": format_international(number),
            "region": region_of(number),
        }


@blp.route("/caller-card")
class CallerCard(MethodView):
    @blp.arguments(CallerArgsSchema, location="query")
    @blp.response(200, CallerCardSchema)
    def get(self, args):
        """Who a number is, for the softphone's call box: the contact the asker may see
        with it, their open case due soonest and their latest unpaid order (each null
        when there is none)."""
        user = authenticate_api_request()
        return caller_card(
            db.session(),
            user,
            args["number"],
            default_region=current_app.config["VOICEAPP"].default_region,
            now=utcnow(),
        )


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
