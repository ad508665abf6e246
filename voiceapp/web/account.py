"""The signed-in user's own settings: API tokens."""

from __future__ import annotations

import secrets

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from redis.exceptions import RedisError

from voiceapp import db
from voiceapp.db import utcnow
from voiceapp.redis_client import get_redis
from voiceapp.services import accounts

bp = Blueprint("account", __name__, url_prefix="/account")


def _render(new_token: str | None = None, status: int = 200):
    tokens = accounts.api_tokens_of(db.session(), current_user)
    return render_template("account/tokens.html", tokens=tokens, new_token=new_token), status


# A new token waits here for the page after the redirect, never in the session cookie
# (signed, not encrypted: anyone holding the cookie could read it).
NEW_TOKEN_KEY = "voiceapp:new-api-token:{}"
NEW_TOKEN_SECONDS = 300


def _take_new_token() -> str | None:
    ref = session.pop("new_api_token_ref", None)
    if not ref:
        return None
    try:
        token = get_redis().getdel(NEW_TOKEN_KEY.format(ref))
    except RedisError:
        return None
    return token.decode() if token else None


@bp.get("/tokens")
@login_required
def tokens():
    # A new token is shown on the first page after it was made, then never again.
    return _render(new_token=_take_new_token())


@bp.post("/tokens")
@login_required
def create_token():
    name = request.form.get("name", "").strip()
    if not name or len(name) > 100:
        flash("Give the token a name of 1 to 100 characters, e.g. 'CRM sync'.", "error")
        return _render(status=422)
    dbs = db.session()
    _row, token = accounts.create_api_token(dbs, current_user, name=name, now=utcnow())
    dbs.commit()
    flash("Token created. Copy it now: it is not shown again.", "success")
    ref = secrets.token_urlsafe(16)
    try:
        get_redis().set(NEW_TOKEN_KEY.format(ref), token, ex=NEW_TOKEN_SECONDS)
    except RedisError:
        # No place to keep it for the next page: show it in this answer instead.
        return _render(new_token=token)
    # Post/redirect/get: reloading the page must not create a second token.
    session["new_api_token_ref"] = ref
    return redirect(url_for("account.tokens"))


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    dbs = db.session()
    if accounts.revoke_api_token(dbs, current_user, token_id, now=utcnow()):
        dbs.commit()
        flash("Token revoked: it no longer works.", "success")
    else:
        flash("No such active token of yours.", "error")
    return redirect(url_for("account.tokens"))
