"""HTML error pages for the panel (the API answers JSON through flask-smorest), and the
last line against a 500 from input: a value the database finds out of range is a 400, a
database that cannot be reached is a 503, both on the app's own page (or in the API's
JSON shape)."""

from __future__ import annotations

import logging

from flask import current_app, g, render_template
from sqlalchemy.exc import DataError, DBAPIError, OperationalError, StatementError
from werkzeug.exceptions import BadRequest, HTTPException, ServiceUnavailable

from voiceapp.storage import StorageError

log = logging.getLogger(__name__)

# Headers of the error itself that the answer keeps (Allow on a 405, WWW-Authenticate on a
# 401, Retry-After on a 503); the content type is the page's own.
_DROPPED_ERROR_HEADERS = frozenset({"content-type"})
RETRY_AFTER_SECONDS = 30


def error_headers(error: HTTPException) -> dict[str, str]:
    return {k: v for k, v in error.get_headers() if k.lower() not in _DROPPED_ERROR_HEADERS}


def render_http_error(error: HTTPException):
    return (
        render_template(
            "error.html", code=error.code, name=error.name, description=error.description
        ),
        error.code,
        error_headers(error),
    )


def _with_message(error: HTTPException, message: str) -> HTTPException:
    error.description = message
    error.data = {"message": message}  # what the API's JSON error shows
    return error


def _roll_back(*, forget: bool = False) -> None:
    """Undo the request's writes; `forget` drops the session too (on a dead connection,
    where even ROLLBACK fails)."""
    db_session = g.pop("db_session", None) if forget else g.get("db_session")
    if db_session is None:
        return
    try:
        db_session.close() if forget else db_session.rollback()
    except DBAPIError:
        log.warning("could not end the database session", exc_info=True)


def database_unavailable(exc: OperationalError):
    log.error("database unavailable: %s", exc.orig or exc)
    _roll_back(forget=True)
    # The page is drawn for nobody in particular: the signed-in user (and the
    # notifications badge) would be read from the very database that is down.
    g._login_user = current_app.login_manager.anonymous_user()
    error = _with_message(
        ServiceUnavailable(retry_after=RETRY_AFTER_SECONDS),
        "The database cannot be reached just now. Nothing was changed; try again in a minute.",
    )
    return current_app.handle_http_exception(error)


def storage_unavailable(exc: StorageError):
    """The folder or the bucket that keeps files did not answer (STORAGE=s3: the bucket's
    server): a 503, the request's writes undone (an upload's row goes with it)."""
    log.error("file storage unavailable: %s", exc)
    _roll_back()
    error = _with_message(
        ServiceUnavailable(retry_after=RETRY_AFTER_SECONDS),
        "The file storage cannot be reached just now. Nothing was changed; try again in a minute.",
    )
    return current_app.handle_http_exception(error)


def value_out_of_range(exc: Exception):
    """DataError (PostgreSQL: an integer or date out of its column's range, a NUL in text)
    and OverflowError (a date past the calendar's end in Python): bad input that slipped
    past the schemas. Anything else the database refused is a bug and stays a 500."""
    if isinstance(exc, StatementError) and not (
        isinstance(exc, DataError) or isinstance(exc.orig, OverflowError)
    ):
        raise exc
    log.warning("refused a value out of range: %s", exc)
    _roll_back()
    return current_app.handle_http_exception(
        _with_message(
            BadRequest(),
            "A number or date in the request is out of range. Nothing was changed; check "
            "the values and try again.",
        )
    )


def register(app) -> None:
    from flask_wtf.csrf import CSRFError

    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        error.description = (
            "The form had expired or did not come from this site. Go back, reload the page "
            "and try again."
        )
        return render_http_error(error)

    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(StorageError, storage_unavailable)
    app.register_error_handler(StatementError, value_out_of_range)
    app.register_error_handler(OverflowError, value_out_of_range)
