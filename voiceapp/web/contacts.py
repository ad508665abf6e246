"""Panel pages for contacts: list and search, the contact page with its history, the
form, delete, notes and CSV import."""

from __future__ import annotations

import io
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import ValidationError

from voiceapp import db
from voiceapp.auth import roles_required
from voiceapp.db import utcnow
from voiceapp.domain.contacts import (
    PHONE_KINDS,
    can_change_owner_or_visibility,
    can_delete_contact,
    can_edit_contact,
)
from voiceapp.domain.phones import InvalidPhoneNumber, normalize_phone
from voiceapp.domain.roles import ADMIN, SALES_MANAGER
from voiceapp.schemas.contacts import ContactInputSchema
from voiceapp.services import accounts, contact_import, tasks
from voiceapp.services import contacts as contact_ops
from voiceapp.services.requests import inbox as requests_inbox
from voiceapp.web.forms import (
    PHONE_ROWS,
    contact_form_to_input,
    contact_to_form,
    flatten_errors,
)
from voiceapp.web.paging import page_count, requested_page
from voiceapp.web.task_forms import add_from_form, card_context

if TYPE_CHECKING:
    from voiceapp.models import Contact, User

bp = Blueprint("contacts", __name__, url_prefix="/contacts")
PER_PAGE = 50
MAX_PANEL_IMPORT_BYTES = 10 * 1024 * 1024


def _visible_or_404(contact_id: int) -> Contact:
    contact = contact_ops.visible_contact(db.session(), current_user, contact_id)
    if contact is None:
        abort(404)
    return contact


def _rights(contact: Contact) -> dict:
    args = {"role": current_user.role, "user_id": current_user.id, "owner_id": contact.owner_id}
    return {
        "edit": can_edit_contact(**args, visibility=contact.visibility),
        "delete": can_delete_contact(**args),
        "share": can_change_owner_or_visibility(**args),
    }


def _active_users() -> list[User]:
    return accounts.active_members(db.session())


@bp.get("")
@login_required
def index():
    q = request.args.get("q", "").strip()
    phone_text = request.args.get("phone", "").strip()
    page = requested_page()
    phone, phone_error = None, None
    if phone_text:
        try:
            phone = normalize_phone(phone_text, current_app.config["VOICEAPP"].default_region)
        except InvalidPhoneNumber as exc:
            phone_error = str(exc)
    items, total = (
        ([], 0)
        if phone_error
        else contact_ops.search_contacts(
            db.session(), current_user, q=q or None, phone=phone, page=page, per_page=PER_PAGE
        )
    )
    return render_template(
        "contacts/list.html",
        contacts=items,
        total=total,
        page=page,
        pages=page_count(total, PER_PAGE),
        q=q,
        phone=phone_text,
        phone_error=phone_error,
    ), (422 if phone_error else 200)


def _render_form(contact: Contact | None, values: dict, errors: dict, status: int = 200):
    return render_template(
        "contacts/form.html",
        contact=contact,
        values=values,
        errors=errors,
        phone_rows=PHONE_ROWS,
        phone_kinds=PHONE_KINDS,
        users=_active_users(),
        can_share=contact is None or _rights(contact)["share"],
    ), status


def _values_from_request() -> dict:
    values = dict(request.form)
    values["phones"] = [
        {
            "number": request.form.get(f"phone-{i}-number", ""),
            "kind": request.form.get(f"phone-{i}-kind", "mobile"),
        }
        for i in range(PHONE_ROWS)
    ]
    return values


def _load_form(partial: bool) -> tuple[dict | None, dict]:
    raw = contact_form_to_input(request.form)
    try:
        return ContactInputSchema(partial=partial).load(raw), {}
    except ValidationError as exc:
        return None, flatten_errors(exc.messages)


def _check_owner(data: dict) -> dict:
    owner_id = data.get("owner_id")
    if owner_id is not None:
        owner = accounts.get_user(db.session(), owner_id)
        if owner is None or not owner.active:
            return {"owner_id": ["no active user with this id"]}
    return {}


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    if request.method == "GET":
        return _render_form(None, contact_to_form(None, default_owner_id=current_user.id), {})
    data, errors = _load_form(partial=False)
    errors = errors or _check_owner(data)
    if errors:
        flash("The contact was not saved: please correct the marked fields.", "error")
        return _render_form(None, _values_from_request(), errors, 422)
    dbs = db.session()
    contact = contact_ops.create_contact(dbs, data, actor=current_user, now=utcnow())
    dbs.commit()
    flash(f"Contact {contact.display_name} created.", "success")
    return redirect(url_for("contacts.show", contact_id=contact.id))


@bp.get("/<int:contact_id>")
@login_required
def show(contact_id: int):
    return _render_contact(_visible_or_404(contact_id))


def _render_contact(contact: Contact, *, status: int = 200, task_card=None):
    dbs = db.session()
    owner = accounts.get_user(dbs, contact.owner_id)
    local_now = (
        datetime.now(ZoneInfo(contact.timezone)).strftime("%H:%M (%A)")
        if contact.timezone
        else None
    )
    return render_template(
        "contacts/detail.html",
        contact=contact,
        owner=owner,
        rights=_rights(contact),
        events=contact.events[:200],
        local_now=local_now,
        order_count=contact_ops.order_count(dbs, contact),
        task_card=task_card or _task_card(contact),
        open_requests=requests_inbox.open_requests_for_contact(dbs, contact.id),
    ), status


def _task_card(contact: Contact, **form) -> dict:
    rows = tasks.tasks_of_contact(db.session(), current_user, contact)
    return card_context(
        rows,
        action=url_for("contacts.add_task", contact_id=contact.id),
        back=url_for("contacts.show", contact_id=contact.id),
        **form,
    )


@bp.post("/<int:contact_id>/tasks")
@login_required
def add_task(contact_id: int):
    """The contact page's "Add a task"; the page again with the form's errors (422)."""
    contact = _visible_or_404(contact_id)
    task, errors = add_from_form(request.form, contact=contact)
    if errors:
        card = _task_card(contact, errors=errors, values=request.form)
        return _render_contact(contact, status=422, task_card=card)
    db.session().commit()
    flash(f"Task added: {task.title}.", "success")
    return redirect(url_for("contacts.show", contact_id=contact.id) + "#tasks")


@bp.route("/<int:contact_id>/edit", methods=["GET", "POST"])
@login_required
def edit(contact_id: int):
    contact = _visible_or_404(contact_id)
    rights = _rights(contact)
    if not rights["edit"]:
        abort(403, "This contact is shared with you read-only.")
    if request.method == "GET":
        return _render_form(contact, contact_to_form(contact), {})
    data, errors = _load_form(partial=False)
    if not errors and not rights["share"]:
        data.pop("owner_id", None)
        data.pop("visibility", None)
    errors = errors or _check_owner(data)
    if errors:
        flash("Nothing was changed: please correct the marked fields.", "error")
        return _render_form(contact, _values_from_request(), errors, 422)
    dbs = db.session()
    changed = contact_ops.update_contact(dbs, contact, data, actor=current_user, now=utcnow())
    dbs.commit()
    flash("Saved." if changed else "Nothing to change.", "success")
    return redirect(url_for("contacts.show", contact_id=contact.id))


@bp.post("/<int:contact_id>/delete")
@login_required
def delete(contact_id: int):
    contact = _visible_or_404(contact_id)
    if not _rights(contact)["delete"]:
        abort(403, "Only the owner or a manager may delete this contact.")
    dbs = db.session()
    name = contact.display_name
    try:
        contact_ops.delete_contact(dbs, contact)
    except contact_ops.ContactInUse as exc:
        dbs.rollback()
        flash(f"Not deleted: {exc}.", "error")
        return redirect(url_for("contacts.show", contact_id=contact_id))
    dbs.commit()
    flash(f"Contact {name} deleted.", "success")
    return redirect(url_for("contacts.index"))


@bp.post("/<int:contact_id>/notes")
@login_required
def add_note(contact_id: int):
    contact = _visible_or_404(contact_id)
    if not _rights(contact)["edit"]:
        abort(403, "This contact is shared with you read-only.")
    text = request.form.get("note", "").strip()
    if not text:
        flash("The note is empty: nothing was added.", "error")
    elif len(text) > 500:
        flash("A history note may have at most 500 characters.", "error")
    else:
        dbs = db.session()
        contact_ops.add_event(
            dbs, contact, kind="note", summary=text, now=utcnow(), actor=current_user
        )
        dbs.commit()
        flash("Note added to the history.", "success")
    return redirect(url_for("contacts.show", contact_id=contact_id))


@bp.route("/import", methods=["GET", "POST"])
@roles_required(ADMIN, SALES_MANAGER)
def import_csv():
    if request.method == "GET":
        return render_template("contacts/import.html", report=None)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("Choose a CSV file to import.", "error")
        return render_template("contacts/import.html", report=None), 422
    content = upload.read(MAX_PANEL_IMPORT_BYTES + 1)
    if len(content) > MAX_PANEL_IMPORT_BYTES:
        flash("The file is larger than 10 MB: import it with `voiceapp contacts import`.", "error")
        return render_template("contacts/import.html", report=None), 413
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    dbs = db.session()
    try:
        report = contact_import.import_contacts_csv(
            dbs,
            io.StringIO(text, newline=""),
            actor=current_user,
            now=utcnow(),
            default_region=current_app.config["VOICEAPP"].default_region,
            # Batches: a large file must not hold SQLite's write lock for minutes while
            # calls come in; a re-import merges what an interrupted one wrote.
            commit_every=500,
        )
    except contact_import.ImportFormatError as exc:
        dbs.rollback()
        flash(f"The file could not be read: {exc}.", "error")
        return render_template("contacts/import.html", report=None), 422
    dbs.commit()
    return render_template("contacts/import.html", report=report)
