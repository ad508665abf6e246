"""/api/commissions: the commissions one may see (with totals), one with its decisions,
approving or rejecting a selection, and the vendor's statement; and
/api/members/<id>/reassign, moving a member's pending commissions to the vendor (its own
blueprint, beside the members API).

Who (domain.commission_rights): everyone lists their own; managers, admins and members
with the right to approve the team's (a member_id of someone else: 403 for the others).
Deciding needs the right to approve (403), and never on one's own commissions (422).
Reassigning: sales managers and admins. The statement: admins."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import abort

from voiceapp import db
from voiceapp.api.blueprint import Blueprint
from voiceapp.auth import authenticate_api_request, require_api_user
from voiceapp.db import utcnow
from voiceapp.domain import commission_rights as rights
from voiceapp.domain.roles import ADMIN
from voiceapp.schemas.commissions import (
    CommissionDetailSchema,
    CommissionListArgsSchema,
    CommissionPageSchema,
    DecisionInputSchema,
    DecisionResultSchema,
    PeriodArgsSchema,
    ReassignArgsSchema,
    ReassignSummarySchema,
    StatementSchema,
)
from voiceapp.services.commissions import approval, listing, reassign, statement

blp = Blueprint("Commissions", __name__, url_prefix="/api/commissions", description="Commissions")
blp.before_request(require_api_user)

reassign_blp = Blueprint(
    "Reassign",
    __name__,
    url_prefix="/api/members",
    description="Moving a member's pending commissions to the vendor",
)
reassign_blp.before_request(require_api_user)


@blp.before_request
def only_the_right_asks() -> None:
    """Checked before the body is parsed, so nobody learns anything from a 422 either."""
    user = authenticate_api_request()
    if request.endpoint == "Commissions.Decisions" and not approval.may_decide(user):
        abort(403, message="you may not approve or reject commissions")
    if request.endpoint == "Commissions.Statement" and user.role != ADMIN:
        abort(403, message="only admins read the vendor's statement")


@reassign_blp.before_request
def only_managers_reassign() -> None:
    if not rights.may_reassign(authenticate_api_request().role):
        abort(403, message="only sales managers and admins reassign commissions")


@blp.route("")
class Commissions(MethodView):
    @blp.arguments(CommissionListArgsSchema, location="query")
    @blp.response(200, CommissionPageSchema)
    @blp.alt_response(403, description="`member_id` of someone whose commissions you may not see")
    def get(self, args):
        """List the commissions you may see, newest first, with totals.

        Filter by `member_id`, `status`, `reason`, `due` and the period `from`-`to`
        (days of earning in the team's time zone). `totals` sums everything the filter
        matches per status and currency. Agents see their own; sales managers, admins
        and members who may approve the team's (only admins see other managers'
        "sales manager" commissions)."""
        page, per_page = args.pop("page"), args.pop("per_page")
        args["from"] = args.pop("from_", None)
        try:
            items, total, totals = listing.list_commissions(
                db.session(),
                authenticate_api_request(),
                args,
                now=utcnow(),
                page=page,
                per_page=per_page,
            )
        except listing.CommissionsForbidden as exc:
            abort(403, message=str(exc))
        return {
            "items": items,
            "total": total,
            "page": page,
            "per_page": per_page,
            "totals": totals,
        }


@blp.route("/<int:commission_id>")
class CommissionById(MethodView):
    @blp.response(200, CommissionDetailSchema)
    def get(self, commission_id):
        """One commission with its decisions (who, when, before, after), oldest first.

        404 for one you may not see."""
        dbs = db.session()
        row = listing.visible_commission(dbs, authenticate_api_request(), commission_id)
        if row is None:
            abort(404, message="commission not found")
        return {
            **row.__dict__,
            "member": row.member,
            "order": row.order,
            "reason_label": row.reason_label,
            "decisions": listing.commission_decisions(dbs, commission_id),
        }


@blp.route("/decisions")
class Decisions(MethodView):
    @blp.arguments(DecisionInputSchema)
    @blp.response(200, DecisionResultSchema)
    @blp.alt_response(403, description="You may not approve or reject commissions")
    def post(self, data):
        """Approve or reject a selection of commissions, all or none.

        A decision may be corrected later (approved to rejected and back) while no
        payout holds the commission; paid, reversed and reassigned are final. Unknown
        ids, your own commissions and final ones refuse the whole selection with 422.
        Every change is logged."""
        dbs = db.session()
        try:
            result = approval.decide(
                dbs,
                authenticate_api_request(),
                data["ids"],
                data["decision"],
                now=utcnow(),
                note=data.get("note"),
            )
        except approval.DecisionRefused as exc:
            dbs.rollback()
            abort(422, errors={"json": exc.errors})
        dbs.commit()
        return {
            "decision": data["decision"],
            "decided": [c.id for c in result.decided],
            "unchanged": [c.id for c in result.unchanged],
        }


@blp.route("/statement")
class Statement(MethodView):
    @blp.arguments(PeriodArgsSchema, location="query")
    @blp.response(200, StatementSchema)
    @blp.alt_response(403, description="Only admins")
    def get(self, args):
        """The vendor's statement for the period, per currency (admins).

        Net revenue commissions were computed on, the part of it refunded or cancelled,
        members' ("sales team") and managers' commissions, commissions that stayed
        with the vendor (reassigned, rejected, reversed), commissions taken back after
        a payout (and the part no payout has recovered yet), and what the vendor keeps."""
        return {
            "items": statement.vendor_statement(db.session(), args.get("from_"), args.get("to"))
        }


def summary_out(summary: reassign.ReassignSummary) -> dict:
    return {
        "member_id": summary.member.id,
        "executed": summary.executed,
        "count": summary.count,
        "totals": [{"currency": c, "amount": a} for c, a in sorted(summary.totals.items())],
    }


@reassign_blp.route("/<int:user_id>/reassign")
class Reassign(MethodView):
    @reassign_blp.arguments(ReassignArgsSchema, location="query")
    @reassign_blp.response(200, ReassignSummarySchema)
    @reassign_blp.alt_response(403, description="Only sales managers and admins")
    @reassign_blp.alt_response(404, description="No such member")
    def post(self, args, user_id):
        """Move the member's pending commissions to the vendor.

        What moves: their unpaid commissions (pending or approved) in no payout. With
        `check=1` only the count and totals per currency are answered and nothing
        changes; without it they become "reassigned" (logged)."""
        dbs = db.session()
        member = reassign.find_member(dbs, user_id)
        if member is None:
            abort(404, message="member not found")
        if args["check"]:
            return summary_out(reassign.check(dbs, member))
        summary = reassign.execute(dbs, member, actor=authenticate_api_request(), now=utcnow())
        dbs.commit()
        return summary_out(summary)
