"""Who is asking: panel sign-in (Flask-Login over server-side session rows) and bearer
tokens for the JSON API."""

from __future__ import annotations

from datetime import timedelta
from functools import wraps

from flask import abort, current_app, g, request, session
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect, validate_csrf
from sqlalchemy.exc import OperationalError
from wtforms import ValidationError

from voiceapp import db
from voiceapp.db import utcnow
from voiceapp.models import User
from voiceapp.services import accounts

login_manager = LoginManager()
login_manager.login_view = "auth.sign_in"
login_manager.login_message = "Please sign in to continue."
login_manager.login_message_category = "info"
csrf = CSRFProtect()


def _idle_timeout() -> timedelta:
    return timedelta(minutes=current_app.config["VOICEAPP"].session_idle_minutes)


@login_manager.user_loader
def _load_user_from_session(token: str) -> User | None:
    dbs = db.session()
    resolved = accounts.resolve_session(dbs, token, now=utcnow(), idle_timeout=_idle_timeout())
    commit_best_effort(dbs)
    return resolved.user if resolved else None


def commit_best_effort(dbs) -> None:
    """Commit bookkeeping (last seen / last used times); if a concurrent writer wins on
    SQLite, skip it rather than fail the request: the next request writes it."""
    if not dbs.dirty:
        return
    try:
        dbs.commit()
    except OperationalError:
        dbs.rollback()


def init_auth(app) -> None:
    login_manager.init_app(app)
    csrf.init_app(app)
    # Only the panel's session matters; no "remember me" cookie outlives it.
    app.config.setdefault("REMEMBER_COOKIE_DURATION", timedelta(seconds=0))


def client_address() -> str:
    return request.remote_addr or "unknown"


def sign_in(user: User) -> None:
    """Start a fresh session for `user`: a new token, and the old cookie contents dropped,
    so a session id planted before sign-in is worthless after it."""
    dbs = db.session()
    accounts.start_session(
        dbs,
        user,
        now=utcnow(),
        ip_address=client_address(),
        user_agent=request.headers.get("User-Agent"),
    )
    dbs.commit()
    session.clear()
    session.permanent = True
    login_user(user)


def sign_out() -> None:
    if current_user.is_authenticated and current_user.session_token:
        dbs = db.session()
        accounts.end_session(dbs, current_user.session_token, now=utcnow())
        dbs.commit()
    logout_user()
    session.clear()


def roles_required(*roles: str):
    """Panel views: signed in, and of one of the given roles (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if roles and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


# --- JSON API -------------------------------------------------------------------------

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ApiAuthError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def authenticate_api_request() -> User:
    """The user of an API request: a bearer token, or the panel session (the softphone).

    A session-authenticated request that changes something must carry the CSRF token in
    X-CSRFToken, since the browser would send the cookie for a forged request too.
    """
    if "api_user" in g:
        return g.api_user
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiAuthError(401, "Authorization must be 'Bearer <token>'")
        dbs = db.session()
        user = accounts.resolve_api_token(dbs, token.strip(), now=utcnow())
        if user is None:
            raise ApiAuthError(401, "invalid or revoked API token")
        commit_best_effort(dbs)
    elif current_user.is_authenticated:
        user = current_user._get_current_object()
        if request.method not in SAFE_METHODS:
            try:
                validate_csrf(request.headers.get("X-CSRFToken", ""))
            except CSRFError as exc:
                raise ApiAuthError(403, f"CSRF check failed: {exc.description}") from exc
            except ValidationError as exc:  # what validate_csrf raises
                raise ApiAuthError(403, f"CSRF check failed: {exc}") from exc
    else:
        raise ApiAuthError(401, "authentication required: send 'Authorization: Bearer <token>'")
    g.api_user = user
    return user


def require_api_user() -> None:
    """before_request of every API blueprint: 401/403 in the API's JSON error shape."""
    try:
        authenticate_api_request()
    except ApiAuthError as exc:
        from flask_smorest import abort

        headers = {"WWW-Authenticate": 'Bearer realm="voiceapp"'} if exc.status == 401 else None
        abort(exc.status, message=exc.message, headers=headers)
