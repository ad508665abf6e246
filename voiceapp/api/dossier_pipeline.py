"""A request's money and a dossier's last stages through the API, as on the request's
page: the order and its payment URL (read out, or e-mailed as the payment link), "entered
in our system" (processed) and archiving. Every change takes the `version` the client read
(409 when the request changed since); a broken rule is 422 and changes nothing."""

from __future__ import annotations

from contextlib import contextmanager

from flask.views import MethodView
from flask_smorest import abort
from sqlalchemy.orm.exc import StaleDataError

from voiceapp import db
from voiceapp.api.blueprint import Blueprint
from voiceapp.api.requests import STALE
from voiceapp.auth import authenticate_api_request, require_api_user
from voiceapp.db import utcnow
from voiceapp.schemas.dossiers import RequestOrderSchema, VersionSchema
from voiceapp.schemas.requests import RequestSchema
from voiceapp.services.cases.mail import public_base_url
from voiceapp.services.orders import payment_url
from voiceapp.services.requests import money, pipeline
from voiceapp.services.requests.activity import StaleRequest, check_version
from voiceapp.services.requests.inbox import get_request

blp = Blueprint(
    "Dossiers",
    __name__,
    url_prefix="/api/requests",
    description="A request's order and payment link; a dossier's processed and archived stages",
)
blp.before_request(require_api_user)


@contextmanager
def refusals():
    try:
        yield
    except (money.MoneyError, pipeline.PipelineError) as exc:
        db.session().rollback()
        first = next(iter(exc.errors.values()), ["refused"])
        abort(422, errors={"json": exc.errors}, message=str(first[0]))
    except pipeline.PipelineForbidden as exc:
        db.session().rollback()
        abort(403, message=str(exc))
    except (StaleRequest, StaleDataError) as exc:
        db.session().rollback()
        abort(409, message=str(exc) if isinstance(exc, StaleRequest) else STALE)


def _locked_request(request_id: int):
    req = get_request(db.session(), request_id, lock=True)
    if req is None:
        abort(404, message="request not found")
    return req


def _acting(request_id: int, data: dict, action, **options):
    """Lock the request, run `action(session, request, actor=, now=, expected_version=,
    **options)` under the API's refusals and commit: the request and what `action`
    returned."""
    dbs = db.session()
    req = _locked_request(request_id)
    with refusals():
        result = action(
            dbs,
            req,
            actor=authenticate_api_request(),
            now=utcnow(),
            expected_version=data.get("version"),
            **options,
        )
        dbs.commit()
    return req, result


def _with_order(req, order) -> dict:
    return {
        "order_id": order.id,
        "order_number": order.number,
        "payment_url": payment_url(order, public_base_url()),
        "request": req,
    }


@blp.route("/<int:request_id>/order")
class RequestOrder(MethodView):
    @blp.arguments(VersionSchema)
    @blp.response(200, RequestOrderSchema)
    @blp.alt_response(409, description="The request changed since `version`")
    def post(self, data, request_id):
        """The request's order (made at the agreed price or accepted quote if it has none
        yet) and its payment URL, without e-mailing it: to read out on the phone."""
        dbs = db.session()
        req = _locked_request(request_id)
        with refusals():
            check_version(req, data.get("version"))
            order = money.order_for_request(
                dbs, req, seller=authenticate_api_request(), now=utcnow()
            )
            dbs.commit()
        return _with_order(req, order)


@blp.route("/<int:request_id>/payment-link")
class RequestPaymentLink(MethodView):
    @blp.arguments(VersionSchema)
    @blp.response(200, RequestOrderSchema)
    @blp.alt_response(409, description="The request changed since `version`")
    def post(self, data, request_id):
        """E-mail the customer the payment link (the order made first if needed); a
        dossier moves to awaiting payment. 422 when the customer has no e-mail address."""
        req, order = _acting(request_id, data, money.send_payment_link, base_url=public_base_url())
        return _with_order(req, order)


@blp.route("/<int:request_id>/processed")
class RequestProcessed(MethodView):
    @blp.arguments(VersionSchema)
    @blp.response(200, RequestSchema)
    @blp.alt_response(409, description="The request changed since `version`")
    def post(self, data, request_id):
        """Mark a dossier "entered in our system" (processed), once its deposit or full
        payment is in."""
        return _acting(request_id, data, pipeline.mark_processed)[0]


@blp.route("/<int:request_id>/archive")
class RequestArchive(MethodView):
    @blp.arguments(VersionSchema)
    @blp.response(200, RequestSchema)
    @blp.alt_response(403, description="Managers and admins only")
    @blp.alt_response(409, description="The request changed since `version`")
    def post(self, data, request_id):
        """End of season: erase the dossier's content (message, options, plan, phone,
        e-mail, labels, notes) and keep the conversation and the order. Managers and
        admins only; the panel names what goes before asking."""
        return _acting(request_id, data, pipeline.archive)[0]
