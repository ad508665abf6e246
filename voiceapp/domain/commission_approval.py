"""Which decision may be taken on a commission in which state (SPEC "Commissions and the
team": approve or reject, and correct a wrong decision later).

Pending waits for a decision; approved and rejected may be corrected into each other as
long as no payout holds the commission; paid, reversed and reassigned are final. A
negative commission (one that takes back a paid-out one) is the member's debt: nobody
approves it away.
"""

from __future__ import annotations

APPROVE = "approve"
REJECT = "reject"
DECISIONS = (APPROVE, REJECT)
# The status each decision leads to.
OUTCOME = {APPROVE: "approved", REJECT: "rejected"}
FINAL = ("paid", "reversed", "reassigned")
# More than a page of the Approve table; a bigger selection is a client's mistake.
MAX_SELECTION = 500


def refusal(status: str, decision: str, *, in_payout: bool, takes_back: bool) -> str | None:
    """Why `decision` may not be taken on a commission in `status` (None: it may; a
    decision that changes nothing, approving an approved one, is allowed and a no-op)."""
    if decision not in OUTCOME:
        return f"unknown decision {decision!r}"
    if takes_back:
        return "takes back a paid-out commission: it is not decided on"
    if status in FINAL:
        return f"is {status}: that is final"
    if in_payout and OUTCOME[decision] != status:
        return "is in a payout: cancel the payout first"
    return None
