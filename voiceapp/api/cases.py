"""/api/cases: Call today and All cases, create, read, change, claim, next, outcome, and
the conversation files attached to a case."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

from flask import Response
from flask.views import MethodView
from flask_smorest import abort

from voiceapp import db
from voiceapp.api.blueprint import Blueprint
from voiceapp.auth import authenticate_api_request, require_api_user
from voiceapp.db import utcnow
from voiceapp.schemas.cases import (
    CaseCreateSchema,
    CaseDetailSchema,
    CaseFileSchema,
    CaseFileUploadSchema,
    CaseListArgsSchema,
    CasePageSchema,
    CasePatchSchema,
    CaseSchema,
    OutcomeSchema,
)
from voiceapp.services import cases
from voiceapp.services.cases.history import team_zone
from voiceapp.services.contacts import visible_contact
from voiceapp.web.stored_files import send_stored

if TYPE_CHECKING:
    from voiceapp.models import Case

blp = Blueprint("Cases", __name__, url_prefix="/api/cases", description="Cases to call")
blp.before_request(require_api_user)
FORBIDDEN = (
    "You see the case but may not work it: it is assigned to another member, or a pool "
    "case of a type or language you do not handle"
)


@contextmanager
def case_errors():
    """Service refusals in the API's shapes; the transaction is rolled back, so a refused
    request changes nothing."""
    try:
        yield
    except cases.CaseError as exc:
        db.session().rollback()
        abort(422, errors={"json": nested_error(exc.field, exc.message)})
    except cases.CaseForbidden as exc:
        db.session().rollback()
        abort(403, message=str(exc))
    except cases.ClaimConflict as exc:
        db.session().rollback()
        abort(
            409,
            message=str(exc),
            errors={
                "claimed_by_id": exc.holder.id if exc.holder else None,
                "claimed_by": exc.holder.name if exc.holder else None,
                "claimed_until": exc.until.isoformat(),
            },
        )


def nested_error(field: str, message: str) -> dict:
    """ "email.template" -> {"email": {"template": [message]}}, like marshmallow."""
    head, _, rest = field.partition(".")
    return {head: nested_error(rest, message) if rest else [message]}


def load_case(case_id: int, *, lock: bool = False) -> Case:
    user = authenticate_api_request()
    case = cases.visible_case(db.session(), user, case_id, lock=lock)
    if case is None:
        abort(404, message="case not found")
    return case


@blp.route("")
class Cases(MethodView):
    @blp.arguments(CaseListArgsSchema, location="query")
    @blp.response(200, CasePageSchema)
    def get(self, args):
        """`view=today`: your Call today (overdue first, then by due time). `view=all`
        (default): every case you may see, newest first, with filters; `assignee_id=0`
        is the unassigned pool."""
        user = authenticate_api_request()
        dbs = db.session()
        page, per_page = args.pop("page"), args.pop("per_page")
        if args.pop("view") == "today":
            items, total = cases.call_today(
                dbs, user, now=utcnow(), zone=team_zone(dbs), page=page, per_page=per_page
            )
        else:
            items, total = cases.list_cases(dbs, user, args, page=page, per_page=per_page)
        return {"items": items, "total": total, "page": page, "per_page": per_page}

    @blp.arguments(CaseCreateSchema)
    @blp.response(201, CaseDetailSchema)
    def post(self, data):
        """Open a case by hand; due now unless `due_at` says otherwise."""
        user = authenticate_api_request()
        dbs = db.session()
        contact = visible_contact(dbs, user, data["contact_id"])
        if contact is None:
            abort(422, errors={"json": {"contact_id": ["no contact with this id"]}})
        with case_errors():
            case = cases.create_case(
                dbs,
                contact=contact,
                case_type=data["type"],
                language=data["language"],
                actor=user,
                now=utcnow(),
                assignee_id=data.get("assignee_id"),
                due_at=data.get("due_at"),
                order_id=data.get("order_id"),
                note=data.get("note"),
            )
        dbs.commit()
        return case


@blp.route("/next")
class NextCase(MethodView):
    @blp.response(200, CaseDetailSchema)
    @blp.alt_response(204, description="Nothing left to call today")
    def post(self):
        """Claim the next case of your Call today that nobody else is calling."""
        user = authenticate_api_request()
        dbs = db.session()
        case = cases.claim_next(dbs, user, now=utcnow(), zone=team_zone(dbs))
        dbs.commit()
        if case is None:
            return Response(status=204)
        return case


@blp.route("/<int:case_id>")
class CaseById(MethodView):
    @blp.response(200, CaseDetailSchema)
    def get(self, case_id):
        """The case with its history and files."""
        return load_case(case_id)

    @blp.arguments(CasePatchSchema)
    @blp.response(200, CaseDetailSchema)
    @blp.alt_response(403, description=FORBIDDEN)
    def patch(self, data, case_id):
        """Assign (`assignee_id`; null releases to the pool), move `due_at`, change type,
        language or note."""
        user = authenticate_api_request()
        case = load_case(case_id, lock=True)
        with case_errors():
            cases.update_case(db.session(), case, data, actor=user, now=utcnow())
        db.session().commit()
        return case


@blp.route("/<int:case_id>/claim")
class ClaimCase(MethodView):
    @blp.response(200, CaseSchema)
    @blp.alt_response(409, description="Another agent holds the case")
    @blp.alt_response(403, description=FORBIDDEN)
    def post(self, case_id):
        """Hold the case while you call (the team's claim time); 409 names who holds it."""
        user = authenticate_api_request()
        case = load_case(case_id, lock=True)
        with case_errors():
            cases.claim_case(db.session(), case, user, now=utcnow())
        db.session().commit()
        return case


@blp.route("/<int:case_id>/outcome")
class CaseOutcome(MethodView):
    @blp.arguments(OutcomeSchema)
    @blp.response(200, CaseDetailSchema)
    @blp.alt_response(409, description="Another agent holds the case")
    @blp.alt_response(403, description=FORBIDDEN)
    def post(self, data, case_id):
        """Record the call's outcome; it decides when the case is due again (or closes
        it). An optional e-mail from a template goes to the customer."""
        user = authenticate_api_request()
        case = load_case(case_id, lock=True)
        with case_errors():
            cases.record_outcome(
                db.session(), case, user, cases.OutcomeInput.from_input(data), now=utcnow()
            )
        db.session().commit()
        return case


@blp.route("/<int:case_id>/files")
class CaseFiles(MethodView):
    @blp.arguments(CaseFileUploadSchema, location="files")
    @blp.response(201, CaseFileSchema)
    @blp.alt_response(403, description=FORBIDDEN)
    def post(self, files, case_id):
        """Attach a conversation file (multipart/form-data, field `file`): at most 10 MB,
        audio, PDF, images, text or office documents. The case's history says so. A file
        refused for its size or type is a 422 and nothing is stored."""
        user = authenticate_api_request()
        case = load_case(case_id, lock=True)
        dbs = db.session()
        try:
            with case_errors():
                row = cases.attach_upload(dbs, case, files["file"], user=user, now=utcnow())
        except cases.FileRefused as exc:
            dbs.rollback()
            abort(422, errors={"files": {"file": [str(exc)]}})
        dbs.commit()
        return row


@blp.route("/<int:case_id>/files/<int:file_id>")
class CaseFileById(MethodView):
    @blp.response(
        200,
        description="The file as it was uploaded, with its type",
        content_type="application/octet-stream",
    )
    def get(self, case_id, file_id):
        """Download a file attached to the case."""
        case = load_case(case_id)
        row = cases.case_file(db.session(), case, file_id)
        if row is None:
            abort(404, message="file not found")
        store = cases.files_store()
        stored = cases.stored_file(row, store)
        if stored is None:
            abort(404, message="file not found")
        return send_stored(store, stored, mimetype=row.content_type, download_name=row.filename)
