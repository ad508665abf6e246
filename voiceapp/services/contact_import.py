"""Importing contacts from CSV: good rows in, bad rows reported by line, duplicates by
phone number merged into the existing contact instead of doubled."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TextIO

from marshmallow import ValidationError
from sqlalchemy.orm import Session

from voiceapp.domain.contact_import import (
    ImportFormatError,
    is_blank,
    map_header,
    row_to_input,
    sniff_dialect,
)
from voiceapp.models import Contact, User
from voiceapp.schemas.contacts import ContactInputSchema
from voiceapp.services import contacts as contact_ops
from voiceapp.services.accounts import find_user_by_email

__all__ = ["ImportFormatError", "ImportReport", "import_contacts_csv"]


@dataclass
class ImportReport:
    created: int = 0
    merged: int = 0
    rows: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.created + self.merged


def _describe(errors: dict) -> str:
    parts = []
    for key, value in errors.items():
        if isinstance(value, dict) and all(isinstance(k, int) for k in value):
            # {0: ...}: a position in a list (phones, e-mails) means nothing to a person.
            parts.extend(_describe({key: v}) for v in value.values())
        elif isinstance(value, dict):
            parts.append(f"{key}: {_describe(value)}")
        else:
            label = "row" if key == "_schema" else key
            parts.append(f"{label}: {'; '.join(str(v) for v in value)}")
    return ", ".join(parts)


def _merge_into(db: Session, contact: Contact, data: dict, *, actor, now) -> None:
    """Fill what the existing contact lacks; never overwrite what it has."""
    changes: dict = {}
    for name in contact_ops.SCALAR_FIELDS:
        if name in data and data[name] not in (None, "") and not getattr(contact, name):
            changes[name] = data[name]
    numbers = {p.number for p in contact.phones}
    extra_phones = [p for p in data.get("phones", []) if p["number"] not in numbers]
    if extra_phones:
        changes["phones"] = [{"number": p.number, "kind": p.kind} for p in contact.phones]
        changes["phones"] += extra_phones
    emails = [e.email for e in contact.emails]
    extra_emails = [e for e in data.get("emails", []) if e.lower() not in emails]
    if extra_emails:
        changes["emails"] = emails + extra_emails
    extra_tags = [t for t in data.get("tags", []) if t not in (contact.tags or [])]
    if extra_tags:
        changes["tags"] = list(contact.tags or []) + extra_tags
    contact_ops.update_contact(db, contact, changes, actor=actor, now=now)


def _records(reader) -> Iterator[tuple[int, list[str]]]:
    """(line where the record starts, values). A quoted field may span lines, so the start
    is one past where the previous record ended; text that is not CSV at all is refused."""
    while True:
        start = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ImportFormatError(f"line {start} is not valid CSV: {exc}") from None
        yield start, values


def import_contacts_csv(
    db: Session,
    stream: TextIO,
    *,
    actor: User | None,
    now: datetime,
    default_region: str,
    default_owner_id: int | None = None,
    commit_every: int | None = 500,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Read `stream` and import it. With `commit_every`, work is committed in batches (a
    huge file is not one giant transaction, and a rerun merges what the first run wrote).
    """
    # Sniff the delimiter on the first 64 KiB (completed to a whole line), then stream on.
    sample = stream.read(64 * 1024)
    if sample and not sample.endswith("\n"):
        sample += stream.readline()
    # newline="": lines split the way the csv module expects (also on a lone \r).
    lines = itertools.chain(io.StringIO(sample, newline=""), stream)
    records = _records(csv.reader(lines, sniff_dialect(sample)))
    try:
        _line, header = next(records)
    except StopIteration:
        raise ImportFormatError("the file is empty") from None
    mapping, unknown = map_header(header)
    report = ImportReport(ignored_columns=unknown)
    schema = ContactInputSchema()
    owners: dict[str, int | None] = {}

    for line, values in records:
        if is_blank(values):
            continue
        report.rows += 1
        if on_progress:
            on_progress(report.rows)
        raw, owner_email = row_to_input(values, mapping, default_region)
        try:
            data = schema.load(raw)
        except ValidationError as exc:
            report.errors.append((line, _describe(exc.messages)))
            continue
        if owner_email:
            if owner_email not in owners:
                owner = find_user_by_email(db, owner_email)
                owners[owner_email] = owner.id if owner and owner.active else None
            if owners[owner_email] is None:
                report.errors.append((line, f"owner: no active user {owner_email}"))
                continue
            data["owner_id"] = owners[owner_email]
        elif default_owner_id is not None:
            data.setdefault("owner_id", default_owner_id)

        existing = None
        for phone in data.get("phones", []):
            matches = contact_ops.find_by_phone(db, phone["number"])
            if matches:
                existing = matches[0]
                break
        if existing is not None:
            _merge_into(db, existing, data, actor=actor, now=now)
            report.merged += 1
        else:
            if actor is None and "owner_id" not in data:
                data["owner_id"] = None
            contact_ops.create_contact(db, data, actor=actor, now=now)
            report.created += 1
        if commit_every and report.rows % commit_every == 0:
            db.commit()
    db.flush()
    return report
