"""Contact rules: kinds, visibility and who may read, change or delete a contact."""

from __future__ import annotations

from voiceapp.domain.roles import is_manager_or_admin

CONTACT_KINDS = ("person", "company")
PHONE_KINDS = ("mobile", "work", "home")

PRIVATE = "private"
SHARED_READ = "shared_read"
SHARED_WRITE = "shared_write"
VISIBILITIES = (PRIVATE, SHARED_READ, SHARED_WRITE)
VISIBILITY_LABELS = {
    PRIVATE: "Private (owner only)",
    SHARED_READ: "Shared, read only",
    SHARED_WRITE: "Shared, read and write",
}


def can_view_contact(*, role: str, user_id: int, owner_id: int | None, visibility: str) -> bool:
    """Admins and sales managers see every contact; an agent sees their own and shared ones."""
    if is_manager_or_admin(role) or owner_id == user_id:
        return True
    return visibility in (SHARED_READ, SHARED_WRITE)


def can_edit_contact(*, role: str, user_id: int, owner_id: int | None, visibility: str) -> bool:
    if is_manager_or_admin(role) or owner_id == user_id:
        return True
    return visibility == SHARED_WRITE


def can_delete_contact(*, role: str, user_id: int, owner_id: int | None) -> bool:
    """Deleting loses history, so an agent may delete only a contact they own."""
    return is_manager_or_admin(role) or owner_id == user_id


def can_change_owner_or_visibility(*, role: str, user_id: int, owner_id: int | None) -> bool:
    return is_manager_or_admin(role) or owner_id == user_id


def display_name(
    kind: str,
    first_name: str | None,
    last_name: str | None,
    company_name: str | None,
    first_phone: str | None,
) -> str:
    """How a contact is named in lists: the company, the person, or at least the number
    (callers we created from an unknown number have nothing else)."""
    if kind == "company" and company_name:
        return company_name
    if first_name and last_name:  # written out: this runs for every row of every list
        return f"{first_name} {last_name}"
    return first_name or last_name or company_name or first_phone or ""
