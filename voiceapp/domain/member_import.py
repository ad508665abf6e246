"""Adding several members at once: reading pasted lines or a CSV into people, and the
plan of what saving would do (who is new, who would change and how, who stays as they
are, which lines are refused and why). Pure: the members already in the team come in as
plain dicts of their settings."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal

from voiceapp.domain.roles import ADMIN, ROLE_LABELS, ROLES

MAX_LINES = 500
MAX_NAME = 200
MAX_EMAIL = 254
EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
NAME_AND_ADDRESS = re.compile(r"^\s*(?P<name>.*?)\s*<\s*(?P<email>[^<>]+?)\s*>\s*$")

# The settings a bulk add gives, in the order a preview lists their changes.
SETTING_LABELS = {
    "role": "Role",
    "payout_factor": "Payout factor",
    "can_receive_payouts": "Receives payouts",
    "can_approve_commissions": "Approves commissions",
    "can_set_affiliates": "Sets affiliates",
    "can_change_affiliates": "Changes affiliates",
    "payouts_held": "Payouts held",
    "case_types": "Case types",
    "languages": "Languages",
}


@dataclass(frozen=True)
class Person:
    line: int
    email: str
    name: str | None = None
    role: str | None = None  # a CSV's own role for this person, else the form's
    source: str = "pasted"


@dataclass(frozen=True)
class BadLine:
    line: int
    text: str
    reason: str
    source: str = "pasted"


@dataclass(frozen=True)
class Change:
    setting: str
    before: object
    after: object


@dataclass
class Plan:
    new: list[tuple[Person, dict]] = field(default_factory=list)  # person, settings
    changed: list[tuple[Person, list[Change]]] = field(default_factory=list)
    unchanged: list[Person] = field(default_factory=list)
    bad: list[BadLine] = field(default_factory=list)

    @property
    def saves_anything(self) -> bool:
        return bool(self.new or self.changed)


def name_from_email(email: str) -> str:
    """A first name to start with when none is given: anna.schmidt@ -> Anna Schmidt."""
    local = email.split("@", 1)[0]
    words = [w for w in re.split(r"[._\-+]+", local) if w]
    return " ".join(w.capitalize() for w in words) or email


def _role(text: str) -> str | None:
    wanted = (text or "").strip().lower().replace(" ", "_")
    for role in ROLES:
        if wanted in (role, ROLE_LABELS[role].lower().replace(" ", "_")):
            return role
    return None


def _person(line: int, text: str, email: str, name: str | None, role: str | None):
    email = email.strip().lower()
    name = " ".join((name or "").split()) or None
    if not EMAIL.match(email) or len(email) > MAX_EMAIL:
        return BadLine(line, text, "not an e-mail address")
    if name and len(name) > MAX_NAME:
        return BadLine(line, text, f"the name is longer than {MAX_NAME} characters")
    return Person(line, email, name, role)


def read_pasted(text: str) -> list[Person | BadLine]:
    """One person a line: `anna@example.com`, `Anna Schmidt <anna@example.com>` or
    `anna@example.com, Anna Schmidt`. Empty lines are skipped."""
    found: list[Person | BadLine] = []
    for n, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = NAME_AND_ADDRESS.match(line)
        if match:
            found.append(_person(n, line, match["email"], match["name"].strip("\"' "), None))
            continue
        email, _sep, name = line.partition(",")
        found.append(_person(n, line, email, name, None))
    return found


def read_csv(text: str) -> list[Person | BadLine]:
    """A CSV whose first line names the columns: email (required), name and role
    (optional; admin, sales manager or agent). Separators `,` `;` or tab."""
    text = (text or "").lstrip("\ufeff")
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = max((",", ";", "\t"), key=first.count)
    rows = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in next(rows, [])]
    if "email" not in header and "e-mail" not in header:
        return [BadLine(1, first, "the first line must name the columns: email, name, role", "CSV")]
    where = {h: i for i, h in enumerate(header)}
    email_at = where.get("email", where.get("e-mail"))
    found: list[Person | BadLine] = []
    for n, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        shown = delimiter.join(row)

        def cell(name, row=row):
            i = where.get(name)
            return row[i].strip() if i is not None and i < len(row) else ""

        role = None
        if cell("role"):
            role = _role(cell("role"))
            if role is None:
                found.append(BadLine(n, shown, "role must be admin, sales manager or agent", "CSV"))
                continue
        email = row[email_at] if email_at < len(row) else ""
        found.append(replace(_person(n, shown, email, cell("name"), role), source="CSV"))
    return found


def plan_additions(
    read: list[Person | BadLine],
    *,
    existing: dict[str, dict],
    settings: dict,
    overwrite: bool,
    acting_email: str,
) -> Plan:
    """What saving would do. `existing` maps the e-mail of each member already in the
    team to their settings (the keys of SETTING_LABELS, and "name" and "removed");
    `settings` are the ones chosen on the form. Only members already in the team are
    compared; with overwrite off they stay as they are."""
    plan = Plan()
    seen: set[str] = set()
    if len(read) > MAX_LINES:
        plan.bad.append(BadLine(MAX_LINES + 1, "", f"at most {MAX_LINES} members at once"))
        read = read[:MAX_LINES]
    for item in read:
        if isinstance(item, BadLine):
            plan.bad.append(item)
            continue
        if item.email in seen:
            plan.bad.append(
                BadLine(item.line, item.email, "this e-mail is listed twice", item.source)
            )
            continue
        seen.add(item.email)
        wanted = {**settings, **({"role": item.role} if item.role else {})}
        current = existing.get(item.email)
        if current is None:
            plan.new.append((item, wanted))
        elif current.get("removed"):
            plan.bad.append(
                BadLine(
                    item.line,
                    item.email,
                    "a member removed from the team has this e-mail",
                    item.source,
                )
            )
        elif not overwrite:
            plan.unchanged.append(item)
        elif item.email == acting_email and wanted.get("role", ADMIN) != ADMIN:
            plan.bad.append(
                BadLine(
                    item.line, item.email, "you cannot remove your own admin rights", item.source
                )
            )
        else:
            changes = _changes(current, wanted, item.name)
            (plan.changed.append((item, changes)) if changes else plan.unchanged.append(item))
    return plan


def _changes(current: dict, wanted: dict, name: str | None) -> list[Change]:
    changes = []
    if name and name != current.get("name"):
        changes.append(Change("name", current.get("name"), name))
    for key in SETTING_LABELS:
        if key not in wanted:
            continue
        before, after = current.get(key), wanted[key]
        if isinstance(before, list):
            same = sorted(before) == sorted(after)
        elif isinstance(before, Decimal) or isinstance(after, Decimal):
            same = Decimal(before) == Decimal(after)
        else:
            same = before == after
        if not same:
            changes.append(Change(key, before, after))
    return changes
