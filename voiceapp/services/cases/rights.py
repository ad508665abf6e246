"""The case rights rule (domain.case_rights) asked about a user and a case row: every case
operation checks it before it changes anything, and the pages ask it what to offer."""

from __future__ import annotations

from voiceapp.domain.case_rights import ASSIGN, CASE_ACTIONS, CaseFacts, Worker, case_refusal
from voiceapp.models import Case, User
from voiceapp.services.cases.history import CaseForbidden


def worker_of(user: User) -> Worker:
    return Worker(
        id=user.id,
        role=user.role,
        case_types=tuple(user.case_types or ()),
        languages=tuple(user.languages or ()),
    )


def facts_of(case: Case) -> CaseFacts:
    contact = case.contact
    return CaseFacts(
        assignee_id=case.assignee_id,
        type=case.type,
        language=case.language,
        contact_owner_id=contact.owner_id,
        contact_visibility=contact.visibility,
    )


def may(action: str, user: User, case: Case, *, new_assignee_id: int | None = None) -> bool:
    return (
        case_refusal(action, worker_of(user), facts_of(case), new_assignee_id=new_assignee_id)
        is None
    )


def require(action: str, user: User, case: Case, *, new_assignee_id: int | None = None) -> None:
    """Raise CaseForbidden (403; nothing changed yet) unless `user` may do `action`."""
    refusal = case_refusal(action, worker_of(user), facts_of(case), new_assignee_id=new_assignee_id)
    if refusal is not None:
        raise CaseForbidden(refusal)


def allowed_actions(user: User, case: Case) -> frozenset[str]:
    """What the case page may offer `user` (assigning is offered when they may take it)."""
    worker, facts = worker_of(user), facts_of(case)
    allowed = {a for a in CASE_ACTIONS if a != ASSIGN and case_refusal(a, worker, facts) is None}
    if case_refusal(ASSIGN, worker, facts, new_assignee_id=user.id) is None:
        allowed.add(ASSIGN)
    return frozenset(allowed)
