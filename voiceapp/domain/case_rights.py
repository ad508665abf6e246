"""Who may do what to a case: the one rule every case action of the API and the panel asks.

Seeing a case is seeing its contact (domain.contacts.can_view_contact). Working it is
narrower: seeing a contact shared read-only must not let an agent claim or close a case a
colleague is working. So an action is allowed to

- managers and admins, on any case;
- the agent the case is assigned to;
- any agent on an unassigned (pool) case of a type and language they handle, which is
  what Call today offers them.

Assigning has one more condition: only managers and admins give a case to someone else;
an agent takes a case for themselves or gives their own back to the pool.
"""

from __future__ import annotations

from dataclasses import dataclass

from voiceapp.domain.contacts import can_view_contact
from voiceapp.domain.roles import is_manager_or_admin

CLAIM = "claim"
OUTCOME = "outcome"  # recording how the call went, attaching its file
ASSIGN = "assign"
REOPEN = "reopen"
PATCH = "patch"
CASE_ACTIONS = (CLAIM, OUTCOME, ASSIGN, REOPEN, PATCH)


@dataclass(frozen=True, slots=True)
class Worker:
    """The member asking: what the rule needs of a user."""

    id: int
    role: str
    case_types: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What the rule needs of a case and its contact."""

    assignee_id: int | None
    type: str
    language: str
    contact_owner_id: int | None
    contact_visibility: str


def case_refusal(
    action: str, worker: Worker, case: CaseFacts, *, new_assignee_id: int | None = None
) -> str | None:
    """Why `worker` may not do `action` to `case`, or None when they may. For ASSIGN,
    `new_assignee_id` is who the case goes to (None: back to the pool)."""
    if action not in CASE_ACTIONS:
        raise ValueError(f"unknown case action {action!r}")
    if not can_view_contact(
        role=worker.role,
        user_id=worker.id,
        owner_id=case.contact_owner_id,
        visibility=case.contact_visibility,
    ):
        return "case not found"
    if is_manager_or_admin(worker.role):
        return None
    own = case.assignee_id == worker.id
    handled_pool = (
        case.assignee_id is None
        and case.type in worker.case_types
        and case.language in worker.languages
    )
    if not (own or handled_pool):
        if case.assignee_id is None:
            return "this pool case is of a type or language you do not handle"
        return "this case is assigned to another member"
    if action == ASSIGN and new_assignee_id not in (worker.id, None):
        return "only managers assign cases to other members"
    if action == ASSIGN and new_assignee_id is None and not own:
        return "only managers assign cases to other members"
    return None


def may_act_on_case(
    action: str, worker: Worker, case: CaseFacts, *, new_assignee_id: int | None = None
) -> bool:
    return case_refusal(action, worker, case, new_assignee_id=new_assignee_id) is None
