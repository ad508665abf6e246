"""The page an invitation e-mail links to: a new member chooses a password, then signs
in. Public (the signed link is the proof); a forged, expired or used link says so."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from voiceapp import db
from voiceapp.security import MIN_PASSWORD_LENGTH
from voiceapp.services.accounts import AccountError
from voiceapp.services.invitations import VALID_FOR, accept_invitation, invited_member

bp = Blueprint("invitations", __name__)


class ChoosePasswordForm(FlaskForm):
    password = PasswordField(
        f"Password (at least {MIN_PASSWORD_LENGTH} characters)",
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
    )
    again = PasswordField(
        "The same password again",
        validators=[DataRequired(), EqualTo("password", message="the two passwords differ")],
    )


@bp.route("/invitation/<invitation>", methods=["GET", "POST"])
def accept(invitation: str):
    dbs = db.session()
    user = invited_member(dbs, invitation, secret_key=current_app.secret_key)
    if user is None:
        return render_template("members/invitation.html", user=None, days=VALID_FOR.days), 404
    form = ChoosePasswordForm()
    if form.validate_on_submit():
        try:
            accept_invitation(dbs, user, form.password.data)
        except AccountError as exc:
            form.password.errors.append(str(exc))
        else:
            dbs.commit()
            flash(f"Your password is set. Sign in with {user.email}.", "success")
            return redirect(url_for("auth.sign_in"))
    status = 422 if form.is_submitted() else 200
    return render_template("members/invitation.html", user=user, form=form), status
