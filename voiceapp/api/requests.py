"""/api/requests: the inbox as JSON (list with filters, one request), a website's own
request form (POST, with a token of an admin or sales manager), changes with optimistic
locking (409 when the request changed since the version sent), replies to the customer,
internal notes and labels."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

from flask import current_app
from flask.views import MethodView
from flask_smorest import abort
from sqlalchemy.orm.exc import StaleDataError

from voiceapp import db
from voiceapp.api.blueprint import Blueprint
from voiceapp.api.cases import nested_error
from voiceapp.auth import authenticate_api_request, client_address, require_api_user
from voiceapp.db import utcnow
from voiceapp.domain.requests import RequestError
from voiceapp.domain.roles import is_manager_or_admin
from voiceapp.schemas.requests import (
    RequestCreateSchema,
    RequestLabelsInSchema,
    RequestListArgsSchema,
    RequestMessageInSchema,
    RequestMessageSchema,
    RequestNoteInSchema,
    RequestNoteSchema,
    RequestPageSchema,
    RequestPatchSchema,
    RequestSchema,
)
from voiceapp.services.requests import conversation, inbox, intake, work
from voiceapp.services.requests.activity import StaleRequest

if TYPE_CHECKING:
    from voiceapp.models import Request

blp = Blueprint(
    "Requests",
    __name__,
    url_prefix="/api/requests",
    description="Written requests: the inbox, the conversation with the customer, notes, labels",
)
blp.before_request(require_api_user)
STALE = "Someone changed the request since the version you sent: nothing changed"


@contextmanager
def request_errors():
    """Refusals in the API's shapes; the transaction is rolled back (nothing changed)."""
    try:
        yield
    except RequestError as exc:
        db.session().rollback()
        abort(422, errors={"json": nested_error(exc.field, exc.message)})
    except work.RequestForbidden as exc:
        db.session().rollback()
        abort(403, message=str(exc))
    except (StaleRequest, StaleDataError) as exc:
        db.session().rollback()
        abort(409, message=str(exc) if isinstance(exc, StaleRequest) else STALE)


def load_request(request_id: int, *, lock: bool = False) -> Request:
    req = inbox.get_request(db.session(), request_id, lock=lock)
    if req is None:
        abort(404, message="request not found")
    return req


def _commit():
    with request_errors():
        db.session().commit()


@blp.route("")
class Requests(MethodView):
    @blp.arguments(RequestListArgsSchema, location="query")
    @blp.response(200, RequestPageSchema)
    def get(self, args):
        """The inbox, newest first: filter by status, label (name or id), kind, assignee
        or contact. Every member sees every request."""
        page, per_page = args.pop("page"), args.pop("per_page")
        items, total = inbox.list_requests(db.session(), args, page=page, per_page=per_page)
        return {"items": items, "total": total, "page": page, "per_page": per_page}

    @blp.arguments(RequestCreateSchema)
    @blp.response(201, RequestSchema)
    @blp.alt_response(403, description="Only admins and sales managers send requests in")
    def post(self, data):
        """A request from a website's own form (status pending; a dossier when it names a
        product). The requester becomes a contact: matched by phone, then e-mail, else
        created."""
        user = authenticate_api_request()
        if not is_manager_or_admin(user.role):
            abort(403, message="only admins and sales managers send requests in")
        dbs = db.session()
        with request_errors():
            req = intake.create_request(
                dbs,
                data,
                source="api",
                now=utcnow(),
                default_region=current_app.config["VOICEAPP"].default_region,
                actor=user,
                ip_address=client_address(),
            )
        dbs.commit()
        return req


@blp.route("/<int:request_id>")
class RequestById(MethodView):
    @blp.response(200, RequestSchema)
    def get(self, request_id):
        """One request (reading it through the API does not mark it read)."""
        return load_request(request_id)

    @blp.arguments(RequestPatchSchema)
    @blp.response(200, RequestSchema)
    @blp.alt_response(403, description="Agents assign requests only to themselves")
    @blp.alt_response(409, description="Changed by someone else since `version`")
    def patch(self, data, request_id):
        """Change the status (in_progress, confirmed, declined), assignee, payment
        method or product (a product makes it a dossier). Send the `version` you read."""
        user = authenticate_api_request()
        req = load_request(request_id, lock=True)
        version = data.pop("version", None)
        with request_errors():
            work.update_request(
                db.session(), req, data, actor=user, now=utcnow(), expected_version=version
            )
        _commit()
        return req


@blp.route("/<int:request_id>/messages")
class RequestMessages(MethodView):
    @blp.arguments(RequestMessageInSchema)
    @blp.response(201, RequestMessageSchema)
    def post(self, data, request_id):
        """A reply to the customer, e-mailed with the link to their page; a pending
        request moves to in_progress."""
        user = authenticate_api_request()
        req = load_request(request_id, lock=True)
        with request_errors():
            message = conversation.reply(db.session(), req, data["body"], actor=user, now=utcnow())
        _commit()
        return message


@blp.route("/<int:request_id>/notes")
class RequestNotes(MethodView):
    @blp.arguments(RequestNoteInSchema)
    @blp.response(201, RequestNoteSchema)
    def post(self, data, request_id):
        """An internal note: the team sees it, the customer never does."""
        user = authenticate_api_request()
        req = load_request(request_id)
        with request_errors():
            note = work.add_note(db.session(), req, data["body"], actor=user, now=utcnow())
        _commit()
        return note


@blp.route("/<int:request_id>/labels")
class RequestLabels(MethodView):
    @blp.arguments(RequestLabelsInSchema)
    @blp.response(200, RequestSchema)
    @blp.alt_response(409, description="Changed by someone else since `version`")
    def put(self, data, request_id):
        """The request's labels become exactly `label_ids` (team-defined labels)."""
        user = authenticate_api_request()
        req = load_request(request_id, lock=True)
        with request_errors():
            work.set_labels(
                db.session(),
                req,
                data["label_ids"],
                actor=user,
                now=utcnow(),
                expected_version=data.get("version"),
            )
        _commit()
        return req
