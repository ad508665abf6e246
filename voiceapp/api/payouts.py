"""/api/payouts: create a payout run, list payouts, cancel one, mark a selection paid.
Sales managers and admins (domain.commission_rights.may_pay_out); agents get 403, asked
before the body is read so a 422 tells them nothing either."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import abort

from voiceapp import db
from voiceapp.api.blueprint import Blueprint
from voiceapp.auth import authenticate_api_request, require_api_user
from voiceapp.db import utcnow
from voiceapp.domain.commission_rights import may_pay_out
from voiceapp.schemas.payouts import (
    PayoutIdsSchema,
    PayoutListArgsSchema,
    PayoutListSchema,
    PayoutPageSchema,
    PayoutRunCreateSchema,
    PayoutRunSchema,
    PayoutSchema,
)
from voiceapp.services.commissions import payouts

blp = Blueprint("Payouts", __name__, url_prefix="/api/payouts", description="Payouts")
blp.before_request(require_api_user)


@blp.before_request
def payouts_are_for_managers() -> None:
    if not may_pay_out(authenticate_api_request().role):
        abort(403, message="only sales managers and admins handle payouts")


def _refused(exc: payouts.PayoutError):
    db.session().rollback()
    abort(422, errors={"json": exc.errors})


@blp.route("")
class Payouts(MethodView):
    @blp.arguments(PayoutListArgsSchema, location="query")
    @blp.response(200, PayoutPageSchema)
    def get(self, args):
        """List payouts, newest first; filter by `status` and `member_id`."""
        items, total = payouts.list_payouts(
            db.session(),
            status=args.get("status"),
            user_id=args.get("member_id"),
            page=args["page"],
            per_page=args["per_page"],
        )
        return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}

    @blp.arguments(PayoutRunCreateSchema)
    @blp.response(201, PayoutRunSchema)
    @blp.alt_response(403, description="Agents may not handle payouts")
    def post(self, data):
        """Create a payout run: one payout per member paid.

        Pays each member's approved commissions not yet paid out, in `currency`, due
        (withdrawal period over) unless `include_not_due`; negative commissions deduct.
        Members who cannot receive payouts (employees), whose payouts are held, or whose
        total is below `minimum` or not above zero are left out: `left_out` says why.
        When nobody would be paid, nothing is made and the answer is 422."""
        dbs = db.session()
        minimum, currencies = payouts.team_defaults(dbs)
        try:
            result = payouts.create_run(
                dbs,
                actor=authenticate_api_request(),
                member_ids=data["member_ids"],
                minimum=data.get("minimum", minimum),
                currency=data.get("currency") or (currencies[0] if currencies else ""),
                include_not_due=data["include_not_due"],
                mark_paid=data["mark_paid"],
                now=utcnow(),
            )
        except payouts.PayoutError as exc:
            _refused(exc)
        if result.run is None:
            _refused(
                payouts.PayoutError({"member_ids": [payouts.nobody_paid_message(result.lines)]})
            )
        dbs.commit()
        result.run.left_out = result.left_out
        return result.run


@blp.route("/<int:payout_id>/cancel")
class PayoutCancel(MethodView):
    @blp.response(200, PayoutSchema)
    @blp.alt_response(404, description="No such payout")
    @blp.alt_response(409, description="The payout is not pending")
    def post(self, payout_id):
        """Cancel a pending payout: its commissions are free for the next run; the
        payout stays, cancelled, with who and when."""
        dbs = db.session()
        try:
            payout = payouts.cancel(dbs, payout_id, authenticate_api_request(), utcnow())
        except payouts.PayoutStateError as exc:
            dbs.rollback()
            abort(409, message=str(exc))
        if payout is None:
            abort(404, message="payout not found")
        dbs.commit()
        return payout


@blp.route("/paid")
class PayoutsPaid(MethodView):
    @blp.arguments(PayoutIdsSchema)
    @blp.response(200, PayoutListSchema)
    def post(self, data):
        """Mark payouts paid: pending ones and their commissions become paid; paid ones
        stay as they were; a cancelled or unknown id refuses the whole request (422)."""
        dbs = db.session()
        try:
            items = payouts.mark_paid(dbs, data["ids"], authenticate_api_request(), utcnow())
        except payouts.PayoutError as exc:
            _refused(exc)
        dbs.commit()
        return {"items": items, "total": len(items)}
