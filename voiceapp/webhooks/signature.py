"""The one guard of every /twilio/ route: a valid X-Twilio-Signature or 403.

The signature covers the URL Twilio requested, which is the public one (PUBLIC_BASE_URL,
or the forwarded scheme and host of a trusted proxy), not the one gunicorn sees.
"""

from __future__ import annotations

import logging
from functools import wraps

from flask import abort, current_app, request
from sqlalchemy.exc import SQLAlchemyError
from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)

from voiceapp import db
from voiceapp.input_guard import request_problem
from voiceapp.telephony.credentials import current_credentials

log = logging.getLogger(__name__)


def public_request_url() -> str:
    base = current_app.config["VOICEAPP"].public_base_url
    if not base:
        return request.url  # already corrected by ProxyFix when TRUSTED_PROXIES is set
    query = request.query_string.decode()
    return base.rstrip("/") + request.path + (f"?{query}" if query else "")


def _signed_params():
    if request.mimetype == "application/json":
        return request.get_data(as_text=True)  # validated through bodySHA256 in the URL
    return request.form


def _auth_token() -> str | None:
    try:
        return current_credentials(db.session()).auth_token
    except SQLAlchemyError:
        # The database is down: the fallback URL must still work (it apologises and takes
        # a message), so check against the token from the environment.
        db.session().rollback()
        log.exception("could not read Twilio credentials; using TWILIO_AUTH_TOKEN")
        return current_app.config["VOICEAPP"].twilio_auth_token


def signature_problem() -> str | None:
    signature = request.headers.get(SIGNATURE_HEADER)
    if not signature:
        return "no X-Twilio-Signature header"
    token = _auth_token()
    if not token:
        return "no Twilio auth token is configured"
    algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
    url = public_request_url()
    if not RequestValidator(token).validate(url, _signed_params(), signature, algorithm):
        return f"signature does not match {url}"
    return None


def twilio_request(view):
    """Refuse, log and store nothing unless Twilio signed the request; then refuse input
    no view could store (a NUL byte, say) with a 400 rather than fail on it. The signature
    comes first, so an unsigned request learns nothing about how we parse."""

    @wraps(view)
    def guarded(*args, **kwargs):
        problem = signature_problem()
        if problem:
            db.session().rollback()
            log.warning("refused Twilio request to %s: %s", request.path, problem)
            abort(403)
        problem = request_problem()
        if problem:
            db.session().rollback()
            log.warning("refused signed Twilio request to %s: %s", request.path, problem)
            abort(400, problem)
        return view(*args, **kwargs)

    return guarded
