"""Cases and the callback scheduler: what a case is and how it moves (`lifecycle`), who may
act on one (`rights`, asking domain.case_rights), calling it and recording the outcome
(`calling`), reading lists such as Call today (`queries`) and a case's calls (`case_calls`),
the history line every operation writes (`history`), the e-mail after a call (`mail`),
files attached to an outcome (`files`), the order a case is about (`case_orders`: its
real status on the page and in the outcome), callbacks opened by missed calls and
voicemails (`callbacks`), and reminders when a case falls due (`reminders`).

The blueprints and jobs use the operations re-exported here; the modules import each
other directly. Imports: models, domain, other services; never web, api, webhooks, ivr's
blueprint or workers.
"""

from __future__ import annotations

from voiceapp.services.cases.calling import (
    OutcomeInput,
    call_for_outcome,
    claim_case,
    claim_next,
    record_outcome,
)
from voiceapp.services.cases.case_calls import CaseCall, case_calls
from voiceapp.services.cases.case_orders import (
    KEEP,
    NEW_ORDER_CHOICES,
    REPLACE,
    OrderStanding,
    order_standing,
    other_open_orders,
)
from voiceapp.services.cases.files import (
    ALLOWED_TYPES,
    MAX_FILE_BYTES,
    FileRefused,
    attach_file,
    attach_upload,
    case_file,
    files_store,
    stored_file,
)
from voiceapp.services.cases.history import CaseError, add_history, case_type_labels, team_zone
from voiceapp.services.cases.lifecycle import (
    CALLBACK_TYPES,
    CaseForbidden,
    ClaimConflict,
    assign_case,
    create_case,
    lock_case,
    open_case,
    remind_job_id,
    schedule_reminder,
    update_case,
)
from voiceapp.services.cases.queries import (
    ListedCase,
    ListedContact,
    call_today,
    call_today_queries,
    can_see_case,
    list_cases,
    open_counts_of_other_types,
    visible_case,
)
from voiceapp.services.cases.rights import allowed_actions

__all__ = [
    "ALLOWED_TYPES",
    "CALLBACK_TYPES",
    "KEEP",
    "MAX_FILE_BYTES",
    "NEW_ORDER_CHOICES",
    "REPLACE",
    "CaseCall",
    "CaseError",
    "CaseForbidden",
    "ClaimConflict",
    "FileRefused",
    "ListedCase",
    "ListedContact",
    "OrderStanding",
    "OutcomeInput",
    "add_history",
    "allowed_actions",
    "assign_case",
    "attach_file",
    "attach_upload",
    "call_for_outcome",
    "call_today",
    "call_today_queries",
    "can_see_case",
    "case_calls",
    "case_file",
    "case_type_labels",
    "claim_case",
    "claim_next",
    "create_case",
    "files_store",
    "list_cases",
    "lock_case",
    "open_case",
    "open_counts_of_other_types",
    "order_standing",
    "other_open_orders",
    "record_outcome",
    "remind_job_id",
    "schedule_reminder",
    "stored_file",
    "team_zone",
    "update_case",
    "visible_case",
]
