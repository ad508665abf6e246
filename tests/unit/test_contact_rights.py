"""Who may see, change and delete a contact (SPEC: private or shared read / read-write)."""

from __future__ import annotations

import pytest

from voiceapp.domain.contacts import (
    can_change_owner_or_visibility,
    can_delete_contact,
    can_edit_contact,
    can_view_contact,
    display_name,
)

OWNER, OTHER = 1, 2


@pytest.mark.parametrize(
    ("role", "user", "visibility", "view", "edit", "delete"),
    [
        # An agent's own contact: everything, whatever the visibility.
        ("agent", OWNER, "private", True, True, True),
        # Another agent's contact: depends on the visibility; never delete.
        ("agent", OTHER, "private", False, False, False),
        ("agent", OTHER, "shared_read", True, False, False),
        ("agent", OTHER, "shared_write", True, True, False),
        # Managers and admins see and change everything.
        ("sales_manager", OTHER, "private", True, True, True),
        ("admin", OTHER, "private", True, True, True),
    ],
)
def test_rights_on_a_contact(role, user, visibility, view, edit, delete):
    kw = {"role": role, "user_id": user, "owner_id": OWNER}
    assert can_view_contact(**kw, visibility=visibility) is view
    assert can_edit_contact(**kw, visibility=visibility) is edit
    assert can_delete_contact(**kw) is delete


def test_only_owner_or_manager_changes_owner_and_visibility():
    assert can_change_owner_or_visibility(role="agent", user_id=OWNER, owner_id=OWNER)
    assert not can_change_owner_or_visibility(role="agent", user_id=OTHER, owner_id=OWNER)
    assert can_change_owner_or_visibility(role="sales_manager", user_id=OTHER, owner_id=OWNER)


def test_unowned_private_contact_is_for_managers_only():
    assert not can_view_contact(role="agent", user_id=OTHER, owner_id=None, visibility="private")
    assert can_view_contact(role="admin", user_id=OTHER, owner_id=None, visibility="private")


@pytest.mark.parametrize(
    ("kind", "first", "last", "company", "phone", "shown"),
    [
        ("company", "Ana", "Ruiz", "Acme SL", "+34600000000", "Acme SL"),
        ("company", None, None, None, "+34600000000", "+34600000000"),
        ("person", "Ana", "Ruiz", "Acme SL", None, "Ana Ruiz"),
        ("person", "Ana", None, None, None, "Ana"),
        ("person", "", "Ruiz", None, None, "Ruiz"),
        ("person", None, None, "Acme SL", None, "Acme SL"),
        ("person", None, "", None, "+34600000000", "+34600000000"),
        ("person", None, None, None, None, ""),
    ],
)
def test_display_name(kind, first, last, company, phone, shown):
    assert display_name(kind, first, last, company, phone) == shown
