"""E-mail templates (admins only): the texts agents send after a call, with `{$variable}`
placeholders. A placeholder no case can fill is refused with the list of known ones."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from sqlalchemy.exc import OperationalError
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from voiceapp import db
from voiceapp.auth import roles_required
from voiceapp.domain.email_templates import VARIABLES, unknown_variables
from voiceapp.domain.roles import ADMIN
from voiceapp.services import emails

if TYPE_CHECKING:
    from voiceapp.models import EmailTemplate

bp = Blueprint("email_templates", __name__, url_prefix="/email-templates")

KNOWN = ", ".join(f"{{${name}}}" for name in VARIABLES)


def known_variables_only(form, field) -> None:
    unknown = unknown_variables(field.data or "")
    if unknown:
        names = ", ".join(f"{{${name}}}" for name in unknown)
        noun = "variable" if len(unknown) == 1 else "variables"
        raise ValidationError(f"Unknown {noun} {names}. Known variables: {KNOWN}.")


def strip_text(value):
    return value.strip() if isinstance(value, str) else value


class TemplateForm(FlaskForm):
    name = StringField(
        "Name (shown to agents)",
        validators=[DataRequired(), Length(max=200)],
        filters=[strip_text],
    )
    subject = StringField(
        "Subject",
        validators=[DataRequired(), Length(max=300), known_variables_only],
        filters=[strip_text],
    )
    body_text = TextAreaField(
        "Text", validators=[DataRequired(), known_variables_only], render_kw={"rows": 10}
    )
    body_html = TextAreaField(
        "HTML (optional; values are HTML-escaped)",
        validators=[Optional(), known_variables_only],
        render_kw={"rows": 10},
    )
    active = BooleanField("Active (agents can choose it)", default=True)


class NewTemplateForm(TemplateForm):
    key = StringField(
        "Key (used by the API: lower-case letters, digits and _)",
        validators=[
            DataRequired(),
            Length(max=50),
            Regexp(r"^[a-z][a-z0-9_]*$", message="lower-case letters, digits and _ only"),
        ],
        filters=[strip_text],
    )


def _fields(form: TemplateForm) -> dict:
    return {name: getattr(form, name).data for name in emails.TEMPLATE_FIELDS}


@bp.get("")
@roles_required(ADMIN)
def index():
    dbs = db.session()
    try:
        emails.ensure_default_templates(dbs)
        dbs.commit()
    except OperationalError:  # a writer got in first (SQLite); they are added next time
        dbs.rollback()
    templates = emails.all_templates(dbs)
    return render_template("email_templates/list.html", templates=templates)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(ADMIN)
def create():
    form = NewTemplateForm()
    if form.validate_on_submit():
        dbs = db.session()
        try:
            template = emails.create_template(dbs, key=form.key.data, **_fields(form))
        except emails.TemplateError as exc:
            form.key.errors.append(str(exc))
        else:
            dbs.commit()
            flash(f"Template {template.name} added.", "success")
            return redirect(url_for("email_templates.index"))
    status = 422 if form.is_submitted() else 200
    return _render_form(form, None), status


@bp.route("/<int:template_id>", methods=["GET", "POST"])
@roles_required(ADMIN)
def edit(template_id: int):
    dbs = db.session()
    template = emails.get_template(dbs, template_id)
    if template is None:
        abort(404)
    form = TemplateForm(obj=template)
    if form.validate_on_submit():
        emails.update_template(template, **_fields(form))
        dbs.commit()
        flash(f"Template {template.name} saved.", "success")
        return redirect(url_for("email_templates.index"))
    status = 422 if form.is_submitted() else 200
    return _render_form(form, template), status


def _render_form(form: TemplateForm, template: EmailTemplate | None) -> str:
    return render_template(
        "email_templates/form.html", form=form, template=template, variables=VARIABLES
    )
