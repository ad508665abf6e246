"""Turning the panel's contact form into the API's input shape, and back."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from werkzeug.datastructures import MultiDict

if TYPE_CHECKING:
    from voiceapp.models import Contact

PHONE_ROWS = 3
TEXT_FIELDS = (
    "kind",
    "salutation",
    "title",
    "first_name",
    "last_name",
    "company_name",
    "contact_type",
    "language",
    "country",
    "street",
    "postcode",
    "city",
    "state",
    "currency",
    "notes",
    "visibility",
)


def _split(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,;\n]", text or "") if part.strip()]


def contact_form_to_input(form: MultiDict) -> dict:
    """The submitted fields as ContactInputSchema expects them (validation happens there)."""
    data: dict = {name: form.get(name, "") for name in TEXT_FIELDS if name in form}
    phones = []
    for i in range(PHONE_ROWS):
        number = form.get(f"phone-{i}-number", "").strip()
        if number:
            phones.append({"number": number, "kind": form.get(f"phone-{i}-kind", "mobile")})
    data["phones"] = phones
    data["emails"] = _split(form.get("emails", ""))
    data["tags"] = _split(form.get("tags", ""))
    owner = form.get("owner_id", "").strip()
    if "owner_id" in form:
        data["owner_id"] = int(owner) if owner.isdigit() else (owner or None)
    return data


def contact_to_form(contact: Contact | None, *, default_owner_id: int | None = None) -> dict:
    if contact is None:
        # Whoever creates a contact is responsible for it unless they choose otherwise.
        return {
            "kind": "person",
            "visibility": "shared_write",
            "phones": [],
            "owner_id": default_owner_id or "",
        }
    values = {name: getattr(contact, name) or "" for name in TEXT_FIELDS}
    values["phones"] = [{"number": p.number, "kind": p.kind} for p in contact.phones]
    values["emails"] = ", ".join(e.email for e in contact.emails)
    values["tags"] = ", ".join(contact.tags or [])
    values["owner_id"] = contact.owner_id or ""
    return values


def flatten_errors(errors: dict, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested errors as {"phones.0.number": [...], "emails.1": [...]}."""
    flat: dict[str, list[str]] = {}
    for key, value in errors.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            flat.update(flatten_errors(value, name))
        else:
            flat[name] = list(value)
    return flat
