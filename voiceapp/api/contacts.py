"""/api/contacts: list and look up, create, read, change, delete, history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask.views import MethodView
from flask_smorest import abort

from voiceapp import db
from voiceapp.api.blueprint import Blueprint
from voiceapp.auth import authenticate_api_request, require_api_user
from voiceapp.db import utcnow
from voiceapp.domain.contacts import (
    can_change_owner_or_visibility,
    can_delete_contact,
    can_edit_contact,
)
from voiceapp.schemas.contacts import (
    ContactEventPageSchema,
    ContactInputSchema,
    ContactListArgsSchema,
    ContactPageSchema,
    ContactPatchSchema,
    ContactSchema,
    PageArgsSchema,
)
from voiceapp.services import contacts as contact_ops
from voiceapp.services.accounts import get_user

if TYPE_CHECKING:
    from voiceapp.models import Contact, User

# API blueprints have capitalised names: they are the tags of the OpenAPI document, and
# they stay apart from the panel blueprint of the same subject.
blp = Blueprint("Contacts", __name__, url_prefix="/api/contacts", description="Contacts")
blp.before_request(require_api_user)


def load_visible_contact(contact_id: int) -> Contact:
    """404 for a contact that does not exist or that this user may not see: an agent must
    not learn that another agent's private contact exists."""
    user = authenticate_api_request()
    contact = contact_ops.visible_contact(db.session(), user, contact_id)
    if contact is None:
        abort(404, message="contact not found")
    return contact


def check_owner_field(data: dict, user: User, contact: Contact | None) -> None:
    owner_id_before = contact.owner_id if contact else user.id
    wants_change = ("owner_id" in data and data["owner_id"] != owner_id_before) or (
        contact is not None and "visibility" in data and data["visibility"] != contact.visibility
    )
    if wants_change and not can_change_owner_or_visibility(
        role=user.role, user_id=user.id, owner_id=owner_id_before
    ):
        abort(403, message="only the owner or a manager may change owner or visibility")
    owner_id = data.get("owner_id")
    if owner_id is not None:
        owner = get_user(db.session(), owner_id)
        if owner is None or not owner.active:
            abort(422, errors={"json": {"owner_id": ["no active user with this id"]}})


@blp.route("")
class Contacts(MethodView):
    @blp.arguments(ContactListArgsSchema, location="query")
    @blp.response(200, ContactPageSchema)
    def get(self, args):
        """List contacts visible to you; `phone` finds a number in any written form."""
        user = authenticate_api_request()
        items, total = contact_ops.search_contacts(
            db.session(),
            user,
            q=args.get("q"),
            phone=args.get("phone"),
            page=args["page"],
            per_page=args["per_page"],
        )
        return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}

    @blp.arguments(ContactInputSchema)
    @blp.response(201, ContactSchema)
    def post(self, data):
        """Create a contact. You own it unless `owner_id` says otherwise."""
        user = authenticate_api_request()
        check_owner_field(data, user, None)
        dbs = db.session()
        contact = contact_ops.create_contact(dbs, data, actor=user, now=utcnow())
        dbs.commit()
        return contact


@blp.route("/<int:contact_id>")
class ContactById(MethodView):
    @blp.response(200, ContactSchema)
    def get(self, contact_id):
        return load_visible_contact(contact_id)

    @blp.arguments(ContactPatchSchema)
    @blp.response(200, ContactSchema)
    def patch(self, data, contact_id):
        """Change the given fields; `phones`, `emails` and `tags` replace the lists."""
        user = authenticate_api_request()
        contact = load_visible_contact(contact_id)
        if not can_edit_contact(
            role=user.role,
            user_id=user.id,
            owner_id=contact.owner_id,
            visibility=contact.visibility,
        ):
            abort(403, message="this contact is shared read-only with you")
        check_owner_field(data, user, contact)
        dbs = db.session()
        contact_ops.update_contact(dbs, contact, data, actor=user, now=utcnow())
        dbs.commit()
        return contact

    @blp.response(204)
    @blp.alt_response(409, description="The contact has orders and is kept")
    def delete(self, contact_id):
        user = authenticate_api_request()
        contact = load_visible_contact(contact_id)
        if not can_delete_contact(role=user.role, user_id=user.id, owner_id=contact.owner_id):
            abort(403, message="only the owner or a manager may delete this contact")
        dbs = db.session()
        try:
            contact_ops.delete_contact(dbs, contact)
        except contact_ops.ContactInUse as exc:
            dbs.rollback()
            abort(409, message=str(exc))
        dbs.commit()


@blp.route("/<int:contact_id>/history")
class ContactHistory(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, ContactEventPageSchema)
    def get(self, args, contact_id):
        """The contact's timeline, newest first."""
        contact = load_visible_contact(contact_id)
        items, total = contact_ops.history_page(
            db.session(), contact, page=args["page"], per_page=args["per_page"]
        )
        return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}
