"""Test data factories (factory_boy) writing through the app's own session."""

from __future__ import annotations

import itertools

import factory
from argon2 import PasswordHasher
from factory.alchemy import SQLAlchemyModelFactory

from voiceapp import db
from voiceapp.db import utcnow
from voiceapp.models import Case, Contact, ContactPhone, Order, User

PASSWORD = "correct horse battery"
# Argon2 is slow on purpose, on hashing and on every sign-in's check (about 50 ms with the
# app's parameters). The hash carries its own parameters and the app verifies any Argon2id
# hash with them, so the test users get a cheap one: a sign-in then costs a few ms, and the
# suite signs in about a thousand times. The app's own hashing is tested where it is made
# (invitations, password changes).
_PASSWORD_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
_mobile = itertools.count(10_000_000)


def next_mobile() -> str:
    return f"+49151{next(_mobile):08d}"


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = db.session
        sqlalchemy_session_persistence = "commit"


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Sequence(lambda n: f"User {n}")
    role = "agent"
    password_hash = _PASSWORD_HASH
    active = True
    languages = factory.LazyFunction(lambda: ["de"])
    case_types = factory.LazyFunction(list)


class ContactFactory(BaseFactory):
    class Meta:
        model = Contact

    kind = "person"
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = factory.Sequence(lambda n: f"Last{n}")
    country = "DE"
    language = "de"
    visibility = "shared_write"
    owner_id = None
    tags = factory.LazyFunction(list)
    phones = factory.LazyFunction(lambda: [ContactPhone(number=next_mobile(), kind="mobile")])


class OrderFactory(BaseFactory):
    class Meta:
        model = Order

    number = factory.Sequence(lambda n: f"PO-{n:06d}")
    status = "pending"


class CaseFactory(BaseFactory):
    """An open case due now; pass contact= (and assignee_id=) as needed."""

    class Meta:
        model = Case

    type = "payment_reminder"
    language = "de"
    status = "open"
    due_at = factory.LazyFunction(utcnow)
    contact = factory.SubFactory(ContactFactory)
