"""POST /api/calls/<sid>/reviews: a sales manager or admin scores a call (reviews are read
in GET /api/calls/<sid>)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import abort

from voiceapp import db
from voiceapp.api.blueprint import Blueprint
from voiceapp.auth import authenticate_api_request, require_api_user
from voiceapp.db import utcnow
from voiceapp.schemas.reviews import ReviewInputSchema, ReviewSchema
from voiceapp.services import calls
from voiceapp.services.calls import reviews

blp = Blueprint("Reviews", __name__, url_prefix="/api", description="Call reviews")
blp.before_request(require_api_user)


@blp.route("/calls/<sid>/reviews")
class CallReviews(MethodView):
    @blp.arguments(ReviewInputSchema)
    @blp.response(200, ReviewSchema, description="Your review of the call, changed")
    @blp.alt_response(201, schema=ReviewSchema, description="Your review of the call, made")
    @blp.alt_response(403, description="Agents do not review calls")
    @blp.alt_response(404, description="No such call")
    @blp.alt_response(409, description="Nothing to review: no recording, or no agent")
    def post(self, data, sid):
        """Score a call 1-5, each team criterion 1-5, with a comment. One review per
        reviewer and call: posting again changes yours."""
        user = authenticate_api_request()
        dbs = db.session()
        call = calls.call_by_sid(dbs, sid)
        if call is None or not calls.can_see_call(user, call):
            abort(404, message="call not found")
        try:
            review, created = reviews.save_review(dbs, call, user, now=utcnow(), **data)
        except reviews.ReviewInvalid as exc:
            dbs.rollback()
            abort(422, errors={"json": exc.errors})
        except reviews.ReviewRefused as exc:
            dbs.rollback()
            abort(exc.status, message=exc.message)
        dbs.commit()
        return review, (201 if created else 200)
