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
