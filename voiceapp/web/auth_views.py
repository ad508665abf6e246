"""Sign-in and sign-out pages."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from voiceapp import auth as session_auth
from voiceapp import db
from voiceapp.redis_client import get_redis
from voiceapp.services.accounts import check_sign_in, normalize_email
from voiceapp.throttle import LocalCounters, ThrottleLimits, begin_sign_in, sign_in_succeeded

bp = Blueprint("auth", __name__)


class SignInForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


def _limits() -> ThrottleLimits:
    s = current_app.config["VOICEAPP"]
    return ThrottleLimits(
        per_account=s.login_max_failures_per_account,
        per_address=s.login_max_failures_per_address,
        window_seconds=s.login_failure_window_seconds,
    )


# Control characters, spaces and backslashes: browsers drop tabs and newlines and read a
# backslash as a slash, so "/\t/evil" and "/\\evil" become "//evil", another site.
_UNSAFE_IN_URL = re.compile(r"[\x00-\x20\x7f\\]")
# Enough rounds of percent-decoding to see through what a chain of redirects could undo.
_DECODE_ROUNDS = 4
_MAX_NEXT_LENGTH = 2000


def _path_is_plain(path: str) -> bool:
    """One leading slash, then no second slash, backslash or control character, in the
    path as written and in every percent-decoded form of it."""
    for _ in range(_DECODE_ROUNDS + 1):
        if not path.startswith("/") or path.startswith("//") or _UNSAFE_IN_URL.search(path):
            return False
        decoded = unquote(path)
        if decoded == path:
            return True
        path = decoded
    return False  # still encoded after every round: nobody needs that


def _routed_here(path: str) -> bool:
    """Whether this app has a page at `path` (what the panel redirects to after sign-in)."""
    try:
        current_app.url_map.bind("").match(unquote(path), method="GET")
    except RequestRedirect:  # a trailing-slash redirect of ours: not the page itself
        return False
    except HTTPException:  # 404 or 405
        return False
    return True


def _fallback_counters() -> LocalCounters:
    """This process's sign-in counters, used while Redis is unreachable."""
    return current_app.extensions.setdefault("voiceapp.sign_in_counters", LocalCounters())


def _safe_next(target: str | None) -> str:
    """`next` only when it is a local path the app itself routes: an open redirect would
    help phishing, and browsers read many spellings of a path as another site."""
    if target and len(target) <= _MAX_NEXT_LENGTH and not _UNSAFE_IN_URL.search(target):
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and _path_is_plain(parts.path)
            and _routed_here(parts.path)
        ):
            return target
    return url_for("home.index")


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = SignInForm()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("auth/sign_in.html", form=form), status

    email = normalize_email(form.email.data)
    redis, fallback, address = get_redis(), _fallback_counters(), session_auth.client_address()
    limits = _limits()
    if not begin_sign_in(redis, fallback, limits, email, address):
        minutes = max(1, limits.window_seconds // 60)
        flash(f"Too many failed sign-ins. Try again in up to {minutes} minutes.", "error")
        return render_template("auth/sign_in.html", form=form), 429

    user = check_sign_in(db.session(), email, form.password.data)
    if user is None:
        flash("The e-mail or the password is wrong.", "error")
        return render_template("auth/sign_in.html", form=form), 401
    sign_in_succeeded(redis, fallback, email, address)
    if not user.active:
        flash("This account is switched off. Ask your team admin.", "error")
        return render_template("auth/sign_in.html", form=form), 403

    session_auth.sign_in(user)
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/sign-out")
@login_required
def sign_out():
    session_auth.sign_out()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.sign_in"))
