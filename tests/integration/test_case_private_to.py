"""cases.private_to, the copy of "who alone sees this case's contact" that Call today reads
from its indexes, is kept by the database's triggers (migration 0018): whatever changes a
contact's visibility or owner, or creates a case or moves it to another contact, the copy
agrees with domain.contacts.can_view_contact afterwards. Checked on the stored rows, after
a commit, on SQLite and PostgreSQL."""

from __future__ import annotations

import random

from sqlalchemy import delete, insert, select, update

from tests.factories import CaseFactory, ContactFactory, UserFactory
from voiceapp.db import utcnow
from voiceapp.domain.contacts import PRIVATE, SHARED_READ, SHARED_WRITE, can_view_contact
from voiceapp.models import Case, Contact, User


def expected_private_to(contact: Contact) -> int | None:
    if contact.visibility != PRIVATE:
        return None
    return contact.owner_id if contact.owner_id is not None else 0


def stored(dbs) -> dict[int, int | None]:
    dbs.commit()
    return dict(dbs.execute(select(Case.id, Case.private_to)).all())


def agree_with_contacts(dbs, case_ids) -> None:
    """Every case's private_to is what its contact says, and it lets exactly the agents
    can_view_contact lets see the contact."""
    values = stored(dbs)
    agents = list(dbs.scalars(select(User.id).where(User.role == "agent")))
    for case_id in case_ids:
        case = dbs.get(Case, case_id)
        contact = dbs.get(Contact, case.contact_id)
        assert values[case_id] == expected_private_to(contact), (case_id, contact.visibility)
        for agent in agents:
            by_copy = values[case_id] is None or values[case_id] == agent
            assert by_copy == can_view_contact(
                role="agent",
                user_id=agent,
                owner_id=contact.owner_id,
                visibility=contact.visibility,
            )


def test_a_new_case_copies_its_contacts_privacy(dbs):
    owner = UserFactory(role="agent")
    private = ContactFactory(visibility=PRIVATE, owner_id=owner.id)
    ownerless = ContactFactory(visibility=PRIVATE, owner_id=None)
    shared = ContactFactory(visibility=SHARED_READ, owner_id=owner.id)
    by_orm = [CaseFactory(contact=c).id for c in (private, ownerless, shared)]
    # A Core insert (imports, the bench's loader) takes the same path.
    by_core = [
        dbs.execute(
            insert(Case)
            .values(type="new_order", language="de", contact_id=c.id, due_at=utcnow())
            .returning(Case.id)
        ).scalar_one()
        for c in (private, ownerless, shared)
    ]
    values = stored(dbs)
    assert [values[i] for i in by_orm] == [owner.id, 0, None]
    assert [values[i] for i in by_core] == [owner.id, 0, None]


def test_changing_a_contacts_visibility_or_owner_updates_all_its_cases(dbs):
    first, second = UserFactory(role="agent"), UserFactory(role="agent")
    contact = ContactFactory(visibility=SHARED_WRITE, owner_id=first.id)
    other = ContactFactory(visibility=SHARED_WRITE, owner_id=second.id)
    cases = [CaseFactory(contact=contact).id for _ in range(3)]
    untouched = CaseFactory(contact=other).id

    steps = [
        {"visibility": PRIVATE},  # made private: only its owner
        {"owner_id": second.id},  # given to another agent
        {"owner_id": None},  # no owner: nobody but managers
        {"visibility": SHARED_READ},  # shared again
        {"visibility": PRIVATE, "owner_id": first.id},  # both at once
    ]
    for values in steps:
        # By the ORM (the panel, the API) ...
        for name, value in values.items():
            setattr(contact, name, value)
        agree_with_contacts(dbs, [*cases, untouched])
        assert stored(dbs)[untouched] is None
    # ... and by a bulk statement (an import, a reassignment), the same.
    dbs.execute(update(Contact).where(Contact.id == contact.id).values(visibility=SHARED_READ))
    agree_with_contacts(dbs, cases)
    dbs.execute(update(Contact).where(Contact.id == contact.id).values(visibility=PRIVATE))
    agree_with_contacts(dbs, cases)
    assert set(stored(dbs)[i] for i in cases) == {first.id}


def test_deleting_the_owner_leaves_the_private_contacts_cases_to_managers(dbs):
    owner = UserFactory(role="agent")
    contact = ContactFactory(visibility=PRIVATE, owner_id=owner.id)
    case_id = CaseFactory(contact=contact).id
    dbs.commit()
    # The foreign key sets the owner to NULL; no code of ours runs.
    dbs.execute(delete(User).where(User.id == owner.id))
    dbs.commit()
    dbs.expire_all()
    assert dbs.get(Contact, contact.id).owner_id is None
    assert stored(dbs)[case_id] == 0


def test_a_case_moved_to_another_contact_takes_that_contacts_privacy(dbs):
    owner = UserFactory(role="agent")
    shared = ContactFactory(visibility=SHARED_WRITE, owner_id=owner.id)
    private = ContactFactory(visibility=PRIVATE, owner_id=owner.id)
    case = CaseFactory(contact=shared)
    assert stored(dbs)[case.id] is None
    case.contact_id = private.id
    assert stored(dbs)[case.id] == owner.id
    case.contact_id = shared.id
    assert stored(dbs)[case.id] is None


def test_random_changes_keep_every_case_in_agreement(dbs):
    rng = random.Random(15)
    agents = [UserFactory(role="agent") for _ in range(3)]
    contacts = [
        ContactFactory(
            visibility=rng.choice([PRIVATE, SHARED_READ, SHARED_WRITE]),
            owner_id=rng.choice([None] + [a.id for a in agents]),
        )
        for _ in range(6)
    ]
    cases = [CaseFactory(contact=rng.choice(contacts)).id for _ in range(15)]
    for step in range(40):
        what = rng.random()
        if what < 0.4:
            rng.choice(contacts).visibility = rng.choice([PRIVATE, SHARED_READ, SHARED_WRITE])
        elif what < 0.8:
            rng.choice(contacts).owner_id = rng.choice([None] + [a.id for a in agents])
        else:
            dbs.get(Case, rng.choice(cases)).contact_id = rng.choice(contacts).id
        if step % 8 == 7:
            agree_with_contacts(dbs, cases)
