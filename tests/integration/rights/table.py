"""THE table: for every route of the app (rule and method), the answer each role gets.

Columns, in this order: admin, sales manager, agent, another agent, signed out. A row is
one tuple for a route that takes no object, or one tuple per object state (world.STATES;
states are named from the agent's side, so the other agent sees them mirrored).

A cell is
- a status code: the answer, and nothing in the database changed;
- "NNN+": the answer, and something changed (the write happened);
- OUT: a panel page's answer to someone signed out, a 302 to /sign-in with nothing
  changed (the API answers them 401).

/twilio/ is not here: tests/webhooks/test_guard_matrix.py walks those routes with every
bad signature. Public by design (so every role gets the same answer): /sign-in, /healthz,
/static/... (the npm libraries under /static/vendor/ too), /api/openapi.json (the API's
description, no data) and the customer's pay page /p/....
"""

from __future__ import annotations

OUT = "OUT"

EXPECTED: dict = {
    ("GET", "/"): (200, 200, 200, 200, OUT),
    ("GET", "/account/tokens"): (200, 200, 200, 200, OUT),
    ("POST", "/account/tokens"): ("302+", "302+", "302+", "302+", OUT),
    ("POST", "/account/tokens/<int:token_id>/revoke"): {
        "own": (302, 302, "302+", 302, OUT),
        "colleague": (302, 302, 302, "302+", OUT),
    },
    ("GET", "/api/agents/me/presence"): (200, 200, 200, 200, 401),
    ("PUT", "/api/agents/me/presence"): ("200+", "200+", "200+", "200+", 401),
    # The softphone's heartbeat: nobody is online in the world, so nothing changes.
    ("POST", "/api/agents/me/presence/heartbeat"): (200, 200, 200, 200, 401),
    # Read-only helpers of the softphone; the caller card shows only what the asker may
    # see (tests/integration/test_softphone_api.py).
    ("GET", "/api/phone-numbers/normalized"): (200, 200, 200, 200, 401),
    ("GET", "/api/caller-card"): (200, 200, 200, 200, 401),
    ("GET", "/api/calls"): (200, 200, 200, 200, 401),
    # Everyone sees their own figures; the team's rows only managers and admins (tested
    # in test_dashboard).
    ("GET", "/api/dashboard"): (200, 200, 200, 200, 401),
    # Agents see their own calls and the ones nobody took (services.calls.queries).
    ("GET", "/api/calls/<sid>"): {
        "own": (200, 200, 200, 404, 401),
        "colleague": (200, 200, 404, 200, 401),
        "unanswered": (200, 200, 200, 200, 401),
    },
    # Managers and admins score calls (one review each, changed in place); agents never,
    # and a colleague's call is not even there for them. A call nobody took has no agent
    # to score (409).
    ("POST", "/api/calls/<sid>/reviews"): {
        "own": ("201+", "201+", 403, 404, 401),
        "colleague": ("201+", "201+", 404, 403, 401),
        "unanswered": (409, 409, 403, 403, 401),
    },
    ("GET", "/api/cases"): (200, 200, 200, 200, 401),
    # A contact the asker may not see is answered as one that does not exist (422).
    ("POST", "/api/cases"): {
        "own": ("201+", "201+", "201+", 422, 401),
        "shared_read": ("201+", "201+", "201+", "201+", 401),
        "shared_write": ("201+", "201+", "201+", "201+", 401),
        "private": ("201+", "201+", 422, "201+", 401),
    },
    # Seeing a case is seeing its contact; working it follows domain.case_rights.
    ("GET", "/api/cases/<int:case_id>"): {
        "own": (200, 200, 200, 200, 401),
        "colleague": (200, 200, 200, 200, 401),
        "shared_read": (200, 200, 200, 200, 401),
        "private": (200, 200, 404, 200, 401),
        "pool": (200, 200, 200, 200, 401),
        "pool_other": (200, 200, 200, 200, 401),
    },
    ("PATCH", "/api/cases/<int:case_id>"): {
        "own": ("200+", "200+", "200+", 403, 401),
        "colleague": ("200+", "200+", 403, "200+", 401),
        "shared_read": ("200+", "200+", 403, "200+", 401),
        "private": ("200+", "200+", 404, "200+", 401),
        "pool": ("200+", "200+", "200+", "200+", 401),
        "pool_other": ("200+", "200+", 403, 403, 401),
    },
    ("POST", "/api/cases/<int:case_id>/claim"): {
        "own": ("200+", "200+", "200+", 403, 401),
        "colleague": ("200+", "200+", 403, "200+", 401),
        "shared_read": ("200+", "200+", 403, "200+", 401),
        "private": ("200+", "200+", 404, "200+", 401),
        "pool": ("200+", "200+", "200+", "200+", 401),
        "pool_other": ("200+", "200+", 403, 403, 401),
    },
    ("POST", "/api/cases/<int:case_id>/files"): {
        "own": ("201+", "201+", "201+", 403, 401),
        "colleague": ("201+", "201+", 403, "201+", 401),
        "shared_read": ("201+", "201+", 403, "201+", 401),
        "private": ("201+", "201+", 404, "201+", 401),
        "pool": ("201+", "201+", "201+", "201+", 401),
        "pool_other": ("201+", "201+", 403, 403, 401),
    },
    ("GET", "/api/cases/<int:case_id>/files/<int:file_id>"): {
        "own": (200, 200, 200, 200, 401),
        "colleague": (200, 200, 200, 200, 401),
        "shared_read": (200, 200, 200, 200, 401),
        "private": (200, 200, 404, 200, 401),
        "pool": (200, 200, 200, 200, 401),
        "pool_other": (200, 200, 200, 200, 401),
        "file_of_private": (404, 404, 404, 404, 401),
    },
    ("POST", "/api/cases/<int:case_id>/outcome"): {
        "own": ("200+", "200+", "200+", 403, 401),
        "colleague": ("200+", "200+", 403, "200+", 401),
        "shared_read": ("200+", "200+", 403, "200+", 401),
        "private": ("200+", "200+", 404, "200+", 401),
        "pool": ("200+", "200+", "200+", "200+", 401),
        "pool_other": ("200+", "200+", 403, 403, 401),
    },
    ("POST", "/api/cases/next"): ("200+", "200+", "200+", "200+", 401),
    # Tasks: agents see and change the ones given to them or that they added, on contacts
    # they see (404 otherwise); deleting is for the one who added it (403 for the
    # assignee). A task is added on any contact the asker sees (422 for one they do not).
    ("GET", "/api/tasks"): (200, 200, 200, 200, 401),
    ("POST", "/api/tasks"): {
        "own": ("201+", "201+", "201+", 422, 401),
        "shared_read": ("201+", "201+", "201+", "201+", 401),
        "shared_write": ("201+", "201+", "201+", "201+", 401),
        "private": ("201+", "201+", 422, "201+", 401),
    },
    ("DELETE", "/api/tasks/<int:task_id>"): {
        "own": ("204+", "204+", 403, 404, 401),
        "added": ("204+", "204+", "204+", 403, 401),
        "colleague": ("204+", "204+", 404, "204+", 401),
        "hidden": ("204+", "204+", 404, "204+", 401),
    },
    ("GET", "/api/tasks/<int:task_id>"): {
        "own": (200, 200, 200, 404, 401),
        "added": (200, 200, 200, 200, 401),
        "colleague": (200, 200, 404, 200, 401),
        "hidden": (200, 200, 404, 200, 401),
    },
    ("PATCH", "/api/tasks/<int:task_id>"): {
        "own": ("200+", "200+", "200+", 404, 401),
        "added": ("200+", "200+", "200+", "200+", 401),
        "colleague": ("200+", "200+", 404, "200+", 401),
        "hidden": ("200+", "200+", 404, "200+", 401),
    },
    ("POST", "/api/tasks/<int:task_id>/complete"): {
        "own": ("200+", "200+", "200+", 404, 401),
        "added": ("200+", "200+", "200+", "200+", 401),
        "colleague": ("200+", "200+", 404, "200+", 401),
        "hidden": ("200+", "200+", 404, "200+", 401),
    },
    ("POST", "/api/tasks/<int:task_id>/reopen"): {
        "own": ("200+", "200+", "200+", 404, 401),
        "added": ("200+", "200+", "200+", "200+", 401),
        "colleague": ("200+", "200+", 404, "200+", 401),
        "hidden": ("200+", "200+", 404, "200+", 401),
    },
    ("GET", "/api/contacts"): (200, 200, 200, 200, 401),
    ("POST", "/api/contacts"): ("201+", "201+", "201+", "201+", 401),
    ("DELETE", "/api/contacts/<int:contact_id>"): {
        "own": ("204+", "204+", "204+", 404, 401),
        "shared_read": ("204+", "204+", 403, "204+", 401),
        "shared_write": ("204+", "204+", 403, "204+", 401),
        "private": ("204+", "204+", 404, "204+", 401),
    },
    ("GET", "/api/contacts/<int:contact_id>"): {
        "own": (200, 200, 200, 404, 401),
        "shared_read": (200, 200, 200, 200, 401),
        "shared_write": (200, 200, 200, 200, 401),
        "private": (200, 200, 404, 200, 401),
    },
    ("PATCH", "/api/contacts/<int:contact_id>"): {
        "own": ("200+", "200+", "200+", 404, 401),
        "shared_read": ("200+", "200+", 403, "200+", 401),
        "shared_write": ("200+", "200+", "200+", "200+", 401),
        "private": ("200+", "200+", 404, "200+", 401),
    },
    ("GET", "/api/contacts/<int:contact_id>/history"): {
        "own": (200, 200, 200, 404, 401),
        "shared_read": (200, 200, 200, 200, 401),
        "shared_write": (200, 200, 200, 200, 401),
        "private": (200, 200, 404, 200, 401),
    },
    ("GET", "/api/notifications"): (200, 200, 200, 200, 401),
    # Notifications are their addressee's alone, whatever the role.
    ("POST", "/api/notifications/<int:notification_id>/read"): {
        "own": (404, 404, "200+", 404, 401),
        "colleague": (404, 404, 404, "200+", 401),
    },
    # Public by design: the API's description, no data.
    ("GET", "/api/openapi.json"): (200, 200, 200, 200, 200),
    # 503: the test team has no softphone credentials; the rights are the same.
    # Every member reads the products (agents sell them); only admins write them, and a
    # non-admin's write is refused before its body is read.
    # Taking an order needs only to see the contact (like opening a case for it).
    ("POST", "/api/orders"): {
        "own": ("201+", "201+", "201+", 422, 401),
        "shared_read": ("201+", "201+", "201+", "201+", 401),
        "shared_write": ("201+", "201+", "201+", "201+", 401),
        "private": ("201+", "201+", 422, "201+", 401),
    },
    # Managers read every order; an agent those they sold and those of contacts they see.
    # Members and commission settings: sales managers and admins read (payouts need the
    # currencies and the minimum), admins change; a non-admin's write is refused unread.
    ("GET", "/api/members"): (200, 200, 403, 403, 401),
    ("GET", "/api/members/<int:user_id>"): {
        "any": (200, 200, 403, 403, 401),
    },
    ("PATCH", "/api/members/<int:user_id>"): {
        "any": ("200+", 403, 403, 403, 401),
    },
    ("GET", "/api/team/commission-settings"): (200, 200, 403, 403, 401),
    ("PATCH", "/api/team/commission-settings"): ("200+", 403, 403, 403, 401),
    ("GET", "/api/orders"): (200, 200, 200, 200, 401),
    ("GET", "/api/orders/<int:order_id>"): {
        "own": (200, 200, 200, 404, 401),
        "colleague": (200, 200, 200, 200, 401),
        "private": (200, 200, 404, 200, 401),
    },
    ("GET", "/api/orders/<int:order_id>/payments"): {
        "own": (200, 200, 200, 404, 401),
        "colleague": (200, 200, 200, 200, 401),
        "private": (200, 200, 404, 200, 401),
    },
    # Money recorded by hand: managers and admins only, refused before the body is read.
    ("POST", "/api/orders/<int:order_id>/payments"): {
        "own": ("201+", "201+", 403, 403, 401),
        "colleague": ("201+", "201+", 403, 403, 401),
        "private": ("201+", "201+", 403, 403, 401),
    },
    # Payouts: sales managers and admins (domain.commission_rights.may_pay_out).
    ("GET", "/api/payouts"): (200, 200, 403, 403, 401),
    ("POST", "/api/payouts"): ("201+", "201+", 403, 403, 401),
    ("POST", "/api/payouts/<int:payout_id>/cancel"): {
        "pending": ("200+", "200+", 403, 403, 401),
    },
    ("POST", "/api/payouts/paid"): ("200+", "200+", 403, 403, 401),
    ("GET", "/api/reports/calls"): (200, 200, 403, 403, 401),
    ("GET", "/api/products"): (200, 200, 200, 200, 401),
    ("POST", "/api/products"): ("201+", 403, 403, 403, 401),
    ("GET", "/api/products/<int:product_id>"): {
        "any": (200, 200, 200, 200, 401),
    },
    ("PATCH", "/api/products/<int:product_id>"): {
        "any": ("200+", 403, 403, 403, 401),
    },
    ("GET", "/api/token"): (503, 503, 503, 503, 401),
    ("GET", "/calls"): (200, 200, 200, 200, OUT),
    ("GET", "/calls/missed"): (200, 200, 200, 200, OUT),
    # The call page: whoever sees the call (as /api/calls/<sid>); scoring it, as the API.
    ("GET", "/calls/<sid>"): {
        "own": (200, 200, 200, 404, OUT),
        "colleague": (200, 200, 404, 200, OUT),
        "unanswered": (200, 200, 200, 200, OUT),
    },
    ("POST", "/calls/<sid>/review"): {
        "own": ("302+", "302+", 403, 403, OUT),
        "colleague": ("302+", "302+", 403, 403, OUT),
        "unanswered": (409, 409, 403, 403, OUT),
    },
    # The listen log is for admins; the review queue for managers and admins; "My
    # reviews" (the reviews scoring you) for everyone.
    ("GET", "/calls/listens"): (200, 403, 403, 403, OUT),
    ("GET", "/calls/reviews"): (200, 200, 403, 403, OUT),
    ("GET", "/calls/reviews/mine"): (200, 200, 200, 200, OUT),
    # Recordings: managers, admins and the agent on the call; every play is logged (+).
    ("GET", "/calls/recordings/<recording_sid>"): {
        "own": ("200+", "200+", "200+", 404, OUT),
        "colleague": ("200+", "200+", 404, "200+", OUT),
        "unanswered": ("200+", "200+", 404, 404, OUT),
    },
    ("GET", "/cases"): (200, 200, 200, 200, OUT),
    # Keeping a case's recordings beyond retention: managers and admins; an agent is told
    # no on the case page (302, nothing changed).
    ("POST", "/cases/<int:case_id>/keep-recordings"): {
        "own": ("302+", "302+", 302, 302, OUT),
        "colleague": ("302+", "302+", 302, 302, OUT),
        "shared_read": ("302+", "302+", 302, 302, OUT),
        "private": ("302+", "302+", 404, 302, OUT),
        "pool": ("302+", "302+", 302, 302, OUT),
        "pool_other": ("302+", "302+", 302, 302, OUT),
    },
    ("GET", "/cases/<int:case_id>"): {
        "own": (200, 200, 200, 200, OUT),
        "colleague": (200, 200, 200, 200, OUT),
        "shared_read": (200, 200, 200, 200, OUT),
        "private": (200, 200, 404, 200, OUT),
        "pool": (200, 200, 200, 200, OUT),
        "pool_other": (200, 200, 200, 200, OUT),
    },
    # The panel refuses with a message on the case page (302, nothing changed); each
    # asker assigns the case to themselves.
    ("POST", "/cases/<int:case_id>/assign"): {
        "own": ("302+", "302+", 302, 302, OUT),
        "colleague": ("302+", "302+", 302, 302, OUT),
        "shared_read": ("302+", "302+", 302, 302, OUT),
        "private": ("302+", "302+", 404, 302, OUT),
        "pool": ("302+", "302+", "302+", "302+", OUT),
        "pool_other": ("302+", "302+", 302, 302, OUT),
    },
    ("POST", "/cases/<int:case_id>/claim"): {
        "own": ("302+", "302+", "302+", 302, OUT),
        "colleague": ("302+", "302+", 302, "302+", OUT),
        "shared_read": ("302+", "302+", 302, "302+", OUT),
        "private": ("302+", "302+", 404, "302+", OUT),
        "pool": ("302+", "302+", "302+", "302+", OUT),
        "pool_other": ("302+", "302+", 302, 302, OUT),
    },
    ("GET", "/cases/<int:case_id>/files/<int:file_id>"): {
        "own": (200, 200, 200, 200, OUT),
        "colleague": (200, 200, 200, 200, OUT),
        "shared_read": (200, 200, 200, 200, OUT),
        "private": (200, 200, 404, 200, OUT),
        "pool": (200, 200, 200, 200, OUT),
        "pool_other": (200, 200, 200, 200, OUT),
        "file_of_private": (404, 404, 404, 404, OUT),
    },
    ("POST", "/cases/<int:case_id>/outcome"): {
        "own": ("302+", "302+", "302+", 302, OUT),
        "colleague": ("302+", "302+", 302, "302+", OUT),
        "shared_read": ("302+", "302+", 302, "302+", OUT),
        "private": ("302+", "302+", 404, "302+", OUT),
        "pool": ("302+", "302+", "302+", "302+", OUT),
        "pool_other": ("302+", "302+", 302, 302, OUT),
    },
    ("GET", "/cases/new"): {
        "own": (200, 200, 200, 404, OUT),
        "shared_read": (200, 200, 200, 200, OUT),
        "shared_write": (200, 200, 200, 200, OUT),
        "private": (200, 200, 404, 200, OUT),
    },
    ("POST", "/cases/new"): {
        "own": ("302+", "302+", "302+", 404, OUT),
        "shared_read": ("302+", "302+", "302+", "302+", OUT),
        "shared_write": ("302+", "302+", "302+", "302+", OUT),
        "private": ("302+", "302+", 404, "302+", OUT),
    },
    ("POST", "/cases/next"): ("302+", "302+", "302+", "302+", OUT),
    ("GET", "/cases/today"): (200, 200, 200, 200, OUT),
    # Tasks in the panel: the same rule as /api/tasks (the add forms on the contact's and
    # the case's page: anyone who sees the page).
    ("GET", "/tasks"): (200, 200, 200, 200, OUT),
    ("POST", "/tasks/<int:task_id>/delete"): {
        "own": ("302+", "302+", 403, 404, OUT),
        "added": ("302+", "302+", "302+", 403, OUT),
        "colleague": ("302+", "302+", 404, "302+", OUT),
        "hidden": ("302+", "302+", 404, "302+", OUT),
    },
    ("POST", "/tasks/<int:task_id>/done"): {
        "own": ("302+", "302+", "302+", 404, OUT),
        "added": ("302+", "302+", "302+", "302+", OUT),
        "colleague": ("302+", "302+", 404, "302+", OUT),
        "hidden": ("302+", "302+", 404, "302+", OUT),
    },
    ("GET", "/tasks/<int:task_id>/edit"): {
        "own": (200, 200, 200, 404, OUT),
        "added": (200, 200, 200, 200, OUT),
        "colleague": (200, 200, 404, 200, OUT),
        "hidden": (200, 200, 404, 200, OUT),
    },
    ("POST", "/tasks/<int:task_id>/edit"): {
        "own": ("302+", "302+", "302+", 404, OUT),
        "added": ("302+", "302+", "302+", "302+", OUT),
        "colleague": ("302+", "302+", 404, "302+", OUT),
        "hidden": ("302+", "302+", 404, "302+", OUT),
    },
    ("POST", "/tasks/<int:task_id>/reopen"): {
        "own": ("302+", "302+", "302+", 404, OUT),
        "added": ("302+", "302+", "302+", "302+", OUT),
        "colleague": ("302+", "302+", 404, "302+", OUT),
        "hidden": ("302+", "302+", 404, "302+", OUT),
    },
    ("POST", "/cases/<int:case_id>/tasks"): {
        "own": ("302+", "302+", "302+", "302+", OUT),
        "colleague": ("302+", "302+", "302+", "302+", OUT),
        "shared_read": ("302+", "302+", "302+", "302+", OUT),
        "private": ("302+", "302+", 404, "302+", OUT),
        "pool": ("302+", "302+", "302+", "302+", OUT),
        "pool_other": ("302+", "302+", "302+", "302+", OUT),
    },
    ("POST", "/contacts/<int:contact_id>/tasks"): {
        "own": ("302+", "302+", "302+", 404, OUT),
        "shared_read": ("302+", "302+", "302+", "302+", OUT),
        "shared_write": ("302+", "302+", "302+", "302+", OUT),
        "private": ("302+", "302+", 404, "302+", OUT),
    },
    ("GET", "/contacts"): (200, 200, 200, 200, OUT),
    ("GET", "/contacts/<int:contact_id>"): {
        "own": (200, 200, 200, 404, OUT),
        "shared_read": (200, 200, 200, 200, OUT),
        "shared_write": (200, 200, 200, 200, OUT),
        "private": (200, 200, 404, 200, OUT),
    },
    ("POST", "/contacts/<int:contact_id>/delete"): {
        "own": ("302+", "302+", "302+", 404, OUT),
        "shared_read": ("302+", "302+", 403, "302+", OUT),
        "shared_write": ("302+", "302+", 403, "302+", OUT),
        "private": ("302+", "302+", 404, "302+", OUT),
    },
    ("GET", "/contacts/<int:contact_id>/edit"): {
        "own": (200, 200, 200, 404, OUT),
        "shared_read": (200, 200, 403, 200, OUT),
        "shared_write": (200, 200, 200, 200, OUT),
        "private": (200, 200, 404, 200, OUT),
    },
    ("POST", "/contacts/<int:contact_id>/edit"): {
        "own": ("302+", "302+", "302+", 404, OUT),
        "shared_read": ("302+", "302+", 403, "302+", OUT),
        "shared_write": ("302+", "302+", "302+", "302+", OUT),
        "private": ("302+", "302+", 404, "302+", OUT),
    },
    ("POST", "/contacts/<int:contact_id>/notes"): {
        "own": ("302+", "302+", "302+", 404, OUT),
        "shared_read": ("302+", "302+", 403, "302+", OUT),
        "shared_write": ("302+", "302+", "302+", "302+", OUT),
        "private": ("302+", "302+", 404, "302+", OUT),
    },
    ("GET", "/contacts/import"): (200, 200, 403, 403, OUT),
    ("POST", "/contacts/import"): ("200+", "200+", 403, 403, OUT),
    ("GET", "/contacts/new"): (200, 200, 200, 200, OUT),
    ("POST", "/contacts/new"): ("302+", "302+", "302+", "302+", OUT),
    # The first visit adds the shipped templates (+).
    ("GET", "/email-templates"): ("200+", 403, 403, 403, OUT),
    ("GET", "/email-templates/<int:template_id>"): {
        "any": (200, 403, 403, 403, OUT),
    },
    ("POST", "/email-templates/<int:template_id>"): {
        "any": ("302+", 403, 403, 403, OUT),
    },
    ("GET", "/email-templates/new"): (200, 403, 403, 403, OUT),
    ("POST", "/email-templates/new"): ("302+", 403, 403, 403, OUT),
    # Public by design (the load balancer asks).
    ("GET", "/healthz"): (200, 200, 200, 200, 200),
    # Sales managers read the list (payout factors; manager commissions are admins').
    ("GET", "/members"): (200, 200, 403, 403, OUT),
    ("GET", "/members/<int:user_id>/remove"): {
        "any": (200, 403, 403, 403, OUT),
    },
    ("POST", "/members/<int:user_id>/remove"): {
        "any": ("302+", 403, 403, 403, OUT),
    },
    ("GET", "/members/add-several"): (200, 403, 403, 403, OUT),
    ("POST", "/members/add-several"): ("302+", 403, 403, 403, OUT),
    # Public by design: the signed invitation link is the proof; choosing the password
    # sends anyone to the sign-in page.
    ("GET", "/invitation/<invitation>"): {
        "open": (200, 200, 200, 200, 200),
    },
    ("POST", "/invitation/<invitation>"): {
        "open": ("302+", "302+", "302+", "302+", "302+"),
    },
    ("GET", "/members/<int:user_id>"): {
        "any": (200, 403, 403, 403, OUT),
    },
    ("POST", "/members/<int:user_id>"): {
        "any": ("302+", 403, 403, 403, OUT),
    },
    ("GET", "/members/new"): (200, 403, 403, 403, OUT),
    ("POST", "/members/new"): ("302+", 403, 403, 403, OUT),
    ("GET", "/notifications"): (200, 200, 200, 200, OUT),
    ("POST", "/notifications/<int:notification_id>/read"): {
        "own": (404, 404, "302+", 404, OUT),
        "colleague": (404, 404, 404, "302+", OUT),
    },
    ("POST", "/notifications/read-all"): ("302+", "302+", "302+", "302+", OUT),
    ("GET", "/numbers"): (200, 403, 403, 403, OUT),
    ("POST", "/numbers/<int:number_id>"): {
        "any": ("302+", 403, 403, 403, OUT),
    },
    ("POST", "/numbers/<int:number_id>/delete"): {
        "any": ("302+", 403, 403, 403, OUT),
    },
    ("POST", "/numbers/<int:number_id>/operators"): {
        "any": ("302+", 403, 403, 403, OUT),
    },
    ("POST", "/numbers/<int:number_id>/operators/<int:operator_id>"): {
        "any": ("302+", 403, 403, 403, OUT),
    },
    ("POST", "/numbers/<int:number_id>/operators/<int:operator_id>/delete"): {
        "any": ("302+", 403, 403, 403, OUT),
    },
    # Without Twilio credentials these say so on the numbers page (302, nothing changed).
    ("GET", "/numbers/account"): (302, 403, 403, 403, OUT),
    ("POST", "/numbers/buy"): (302, 403, 403, 403, OUT),
    ("POST", "/numbers/link"): (302, 403, 403, 403, OUT),
    ("GET", "/numbers/search"): (200, 403, 403, 403, OUT),
    # --- the order page (web/order_page.py, domain.order_rights) ---
    # Seeing it is seeing the order (services.orders.visible_order): managers all, an agent
    # those they sold and those of contacts they see.
    ("GET", "/orders/<int:order_id>"): {
        "own": (200, 200, 200, 404, OUT),
        "colleague": (200, 200, 200, 200, OUT),
        "private": (200, 200, 404, 200, OUT),
    },
    # Money and status: managers and admins only (403 to an agent who sees the order).
    **{
        ("POST", f"/orders/<int:order_id>/{action}"): {
            "own": ("302+", "302+", 403, 404, OUT),
            "colleague": ("302+", "302+", 403, 403, OUT),
            "private": ("302+", "302+", 404, 403, OUT),
        }
        for action in (
            "confirm",
            "refund",
            "delete",
            "payments",
            "payments/received",
            "auto-cancel",
            "auto-payments",
        )
    },
    # An agent cancels an unpaid order they sold.
    ("POST", "/orders/<int:order_id>/cancel"): {
        "own": ("302+", "302+", "302+", 404, OUT),
        "colleague": ("302+", "302+", 403, "302+", OUT),
        "private": ("302+", "302+", 404, "302+", OUT),
    },
    # Notes on the customer: whoever sees the order writes them, and deletes their own
    # (each asker deletes a note they wrote; deleting others' is tested in
    # test_order_page.py).
    **{
        ("POST", f"/orders/<int:order_id>/{action}"): {
            "own": ("302+", "302+", "302+", 404, OUT),
            "colleague": ("302+", "302+", "302+", "302+", OUT),
            "private": ("302+", "302+", 404, "302+", OUT),
        }
        for action in ("notes", "notes/delete")
    },
    ("GET", "/phone"): (200, 200, 200, 200, OUT),
    # Orders: the list holds what each may read; the form needs to see the contact (like
    # a new case); the payment screen and its status follow who reads the order.
    ("GET", "/orders"): (200, 200, 200, 200, OUT),
    ("GET", "/orders/new"): {
        "own": (200, 200, 200, 404, OUT),
        "shared_read": (200, 200, 200, 200, OUT),
        "shared_write": (200, 200, 200, 200, OUT),
        "private": (200, 200, 404, 200, OUT),
    },
    ("POST", "/orders/new"): {
        "own": ("302+", "302+", "302+", 404, OUT),
        "shared_read": ("302+", "302+", "302+", "302+", OUT),
        "shared_write": ("302+", "302+", "302+", "302+", OUT),
        "private": ("302+", "302+", 404, "302+", OUT),
    },
    ("GET", "/orders/<int:order_id>/status"): {
        "own": (200, 200, 200, 404, OUT),
        "colleague": (200, 200, 200, 200, OUT),
        "private": (200, 200, 404, 200, OUT),
    },
    ("GET", "/orders/<int:order_id>/taken"): {
        "own": (200, 200, 200, 404, OUT),
        "colleague": (200, 200, 200, 200, OUT),
        "private": (200, 200, 404, 200, OUT),
    },
    # Public by design: the customer's pay page answers everybody the same (a member
    # signed in is only spared the rate limit). Choosing the demo provider starts a
    # checkout (302, nothing stored); paying it, announcing a transfer and giving a SEPA
    # mandate change the order.
    ("GET", "/p/"): (200, 200, 200, 200, 200),
    ("GET", "/p/<code>"): {
        "open": (200, 200, 200, 200, 200),
    },
    ("GET", "/p/<code>/thanks"): {
        "open": (200, 200, 200, 200, 200),
    },
    ("GET", "/p/<code>/status"): {
        "open": (200, 200, 200, 200, 200),
    },
    ("POST", "/p/<code>/demo"): {
        "open": (302, 302, 302, 302, 302),
    },
    ("GET", "/p/<code>/demo"): {
        "open": (200, 200, 200, 200, 200),
    },
    ("POST", "/p/<code>/demo/complete"): {
        "open": ("302+", "302+", "302+", "302+", "302+"),
    },
    ("POST", "/p/<code>/bank"): {
        "open": ("302+", "302+", "302+", "302+", "302+"),
    },
    ("POST", "/p/<code>/sepa"): {
        "open": ("302+", "302+", "302+", "302+", "302+"),
    },
    # Reports: sales managers and admins; a download is only for the member who asked
    # (the admin gets 404 for the manager's file, as for one that does not exist).
    ("GET", "/reports"): (200, 200, 403, 403, OUT),
    ("POST", "/reports/downloads"): ("302+", "302+", 403, 403, OUT),
    ("GET", "/reports/downloads/<download>"): {"managers": (404, 200, 403, 403, OUT)},
    ("GET", "/reports/downloads/<download>/status"): {"managers": (404, 200, 403, 403, OUT)},
    ("GET", "/reports/downloads/<download>/file"): {"managers": (404, 200, 403, 403, OUT)},
    ("GET", "/payouts"): (200, 200, 403, 403, OUT),
    ("GET", "/payouts/new"): (200, 200, 403, 403, OUT),
    ("POST", "/payouts/new"): ("302+", "302+", 403, 403, OUT),
    ("POST", "/payouts/paid"): ("302+", "302+", 403, 403, OUT),
    ("POST", "/payouts/<int:payout_id>/cancel"): {
        "pending": ("302+", "302+", 403, 403, OUT),
    },
    ("GET", "/payouts/runs/<int:run_id>"): {"any": (200, 200, 403, 403, OUT)},
    ("GET", "/payouts/runs/<int:run_id>/export.csv"): {"any": (200, 200, 403, 403, OUT)},
    ("GET", "/payouts/runs/<int:run_id>/export.xlsx"): {"any": (200, 200, 403, 403, OUT)},
    ("GET", "/products"): (200, 403, 403, 403, OUT),
    ("GET", "/products/<int:product_id>"): {
        "any": (200, 403, 403, 403, OUT),
    },
    ("POST", "/products/<int:product_id>"): {
        "any": ("302+", 403, 403, 403, OUT),
    },
    ("POST", "/products/<int:product_id>/active"): {
        "any": ("302+", 403, 403, 403, OUT),
    },
    ("GET", "/products/new"): (200, 403, 403, 403, OUT),
    ("POST", "/products/new"): ("302+", 403, 403, 403, OUT),
    ("GET", "/settings/cases"): (200, 403, 403, 403, OUT),
    ("GET", "/settings/commissions"): (200, 403, 403, 403, OUT),
    ("POST", "/settings/commissions"): ("302+", 403, 403, 403, OUT),
    ("POST", "/settings/cases"): ("302+", 403, 403, 403, OUT),
    ("GET", "/settings/sales"): (200, 403, 403, 403, OUT),
    ("POST", "/settings/sales"): ("302+", 403, 403, 403, OUT),
    ("GET", "/settings/recordings"): (200, 403, 403, 403, OUT),
    ("POST", "/settings/recordings"): ("302+", 403, 403, 403, OUT),
    ("GET", "/settings/telephony"): (200, 403, 403, 403, OUT),
    ("POST", "/settings/telephony"): ("302+", 403, 403, 403, OUT),
    # Public by design.
    ("GET", "/sign-in"): (302, 302, 302, 302, 200),
    ("POST", "/sign-in"): (302, 302, 302, 302, 422),
    ("POST", "/sign-out"): ("302+", "302+", "302+", "302+", OUT),
    # Public by design: style sheet and scripts.
    ("GET", "/static/<path:filename>"): {
        "any": (200, 200, 200, 200, 200),
    },
    # Public by design too: the npm libraries the pages load (web.vendor).
    ("GET", "/static/vendor/<vendor_file>"): {
        "any": (200, 200, 200, 200, 200),
    },
    # Card payments (Stripe). The matrix's app has no Stripe configured: both are 404 for
    # everyone. Configured, "Pay by card" is public like the rest of the pay page (the
    # payment code is the key; who is signed in is never read), tested in
    # tests/integration/test_stripe_payments.py; the webhook's only credential is the
    # signature, 400 without it (tests/webhooks/test_stripe_guard.py).
    ("POST", "/p/<code>/stripe"): {
        "open": (404, 404, 404, 404, 404),
    },
    ("POST", "/webhooks/stripe"): (404, 404, 404, 404, 404),
}

# Commissions (domain.commission_rights). Everyone lists their own; managers, admins and
# members with the right to approve the team's. Approving needs the right (the matrix's
# sales manager has none) and never on one's own; reassigning: sales managers and admins;
# the vendor's statement: admins.
EXPECTED.update(
    {
        ("GET", "/api/commissions"): (200, 200, 200, 200, 401),
        ("GET", "/api/commissions/<int:commission_id>"): {
            "own": (200, 200, 200, 404, 401),
            "colleague": (200, 200, 404, 200, 401),
        },
        ("POST", "/api/commissions/decisions"): {
            "own": ("200+", 403, 403, 403, 401),
            "colleague": ("200+", 403, 403, 403, 401),
        },
        ("GET", "/api/commissions/statement"): (200, 403, 403, 403, 401),
        ("POST", "/api/members/<int:user_id>/reassign"): {
            "any": ("200+", "200+", 403, 403, 401),
        },
        ("GET", "/commissions"): (200, 200, 200, 200, OUT),
        ("GET", "/commissions/<int:commission_id>"): {
            "own": (200, 200, 200, 404, OUT),
            "colleague": (200, 200, 404, 200, OUT),
        },
        ("GET", "/commissions/approve"): (200, 403, 403, 403, OUT),
        ("POST", "/commissions/decisions"): {
            "own": ("302+", 403, 403, 403, OUT),
            "colleague": ("302+", 403, 403, 403, OUT),
        },
        ("GET", "/commissions/reassign"): (200, 200, 403, 403, OUT),
        ("POST", "/commissions/reassign"): ("302+", "302+", 403, 403, OUT),
        ("GET", "/commissions/statement"): (200, 403, 403, 403, OUT),
    }
)

# Requests (issue #17): one shared inbox, so every member sees and works every request;
# agents take requests only for themselves (tested in test_requests_api). A website's
# own form sends requests in with a token of an admin or a sales manager. Labels are
# managed by sales managers and admins, the public request forms by admins. The public
# form /r/<slug> answers everybody alike; on the customer's page a signed-in member may
# read but not answer as the customer (403).
EXPECTED.update(
    {
        ("GET", "/api/requests"): (200, 200, 200, 200, 401),
        ("POST", "/api/requests"): ("201+", "201+", 403, 403, 401),
        ("GET", "/api/requests/<int:request_id>"): {
            "pending": (200, 200, 200, 200, 401),
            "dossier": (200, 200, 200, 200, 401),
        },
        ("PATCH", "/api/requests/<int:request_id>"): {
            "pending": ("200+", "200+", "200+", "200+", 401),
            "dossier": ("200+", "200+", "200+", "200+", 401),
        },
        ("POST", "/api/requests/<int:request_id>/messages"): {
            "pending": ("201+", "201+", "201+", "201+", 401),
            "dossier": ("201+", "201+", "201+", "201+", 401),
        },
        ("POST", "/api/requests/<int:request_id>/notes"): {
            "pending": ("201+", "201+", "201+", "201+", 401),
            "dossier": ("201+", "201+", "201+", "201+", 401),
        },
        ("PUT", "/api/requests/<int:request_id>/labels"): {
            "pending": ("200+", "200+", "200+", "200+", 401),
            "dossier": ("200+", "200+", "200+", "200+", 401),
        },
        ("GET", "/requests"): (200, 200, 200, 200, OUT),
        ("GET", "/requests/<int:request_id>"): {
            "pending": (200, 200, 200, 200, OUT),
            "dossier": (200, 200, 200, 200, OUT),
        },
        ("POST", "/requests/<int:request_id>/status"): {
            "pending": ("302+", "302+", "302+", "302+", OUT),
            "dossier": ("302+", "302+", "302+", "302+", OUT),
        },
        ("POST", "/requests/<int:request_id>/details"): {
            "pending": ("302+", "302+", "302+", "302+", OUT),
            "dossier": ("302+", "302+", "302+", "302+", OUT),
        },
        ("POST", "/requests/<int:request_id>/reply"): {
            "pending": ("302+", "302+", "302+", "302+", OUT),
            "dossier": ("302+", "302+", "302+", "302+", OUT),
        },
        ("POST", "/requests/<int:request_id>/notes"): {
            "pending": ("302+", "302+", "302+", "302+", OUT),
            "dossier": ("302+", "302+", "302+", "302+", OUT),
        },
        ("POST", "/requests/<int:request_id>/labels"): {
            "pending": ("302+", "302+", "302+", "302+", OUT),
            "dossier": ("302+", "302+", "302+", "302+", OUT),
        },
        ("POST", "/requests/<int:request_id>/callback-case"): {
            "pending": ("302+", "302+", "302+", "302+", OUT),
            "dossier": ("302+", "302+", "302+", "302+", OUT),
        },
        ("POST", "/requests/<int:request_id>/new-link"): {
            "pending": ("302+", "302+", "302+", "302+", OUT),
            "dossier": ("302+", "302+", "302+", "302+", OUT),
        },
        ("GET", "/requests/labels"): (200, 200, 403, 403, OUT),
        ("POST", "/requests/labels"): ("302+", "302+", 403, 403, OUT),
        ("POST", "/requests/labels/<int:label_id>"): {
            "any": ("302+", "302+", 403, 403, OUT),
        },
        ("GET", "/requests/forms"): (200, 403, 403, 403, OUT),
        ("POST", "/requests/forms"): ("302+", 403, 403, 403, OUT),
        ("GET", "/requests/forms/<int:form_id>"): {
            "any": (200, 403, 403, 403, OUT),
        },
        ("POST", "/requests/forms/<int:form_id>"): {
            "any": ("302+", 403, 403, 403, OUT),
        },
        ("GET", "/r/<slug>"): {
            "open": (200, 200, 200, 200, 200),
        },
        ("POST", "/r/<slug>"): {
            "open": ("200+", "200+", "200+", "200+", "200+"),
        },
        ("GET", "/r/conversation/<token>"): {
            "open": (200, 200, 200, 200, 200),
        },
        ("POST", "/r/conversation/<token>"): {
            "open": (403, 403, 403, 403, "302+"),
        },
    }
)

# Quotes, payments, stages and subscriptions (issue #17's dossier part). "pending" is a
# simple request (no product): quoting, ordering and a payment link are refused with a
# message (nothing changes); "dossier" has a priced product and its deposit paid. Every
# member works every request's money but payments by hand and archiving (managers and
# admins). Subscriptions are seen as their contacts are; only managers and admins cancel
# them or change their plan. The customer's answer to a quote: a signed-in member may not
# answer for the customer (403); the customer's pending request has no quote to answer,
# so the page is shown again (302, nothing changed).
EXPECTED.update(
    {
        ("GET", "/api/requests/<int:request_id>/quotes"): {
            "pending": (200, 200, 200, 200, 401),
            "dossier": (200, 200, 200, 200, 401),
        },
        ("POST", "/api/requests/<int:request_id>/quotes"): {
            "pending": (422, 422, 422, 422, 401),
            "dossier": ("201+", "201+", "201+", "201+", 401),
        },
        ("POST", "/api/requests/<int:request_id>/quotes/<int:quote_id>/withdraw"): {
            "sent": ("200+", "200+", "200+", "200+", 401),
        },
        ("POST", "/api/requests/<int:request_id>/order"): {
            "pending": (422, 422, 422, 422, 401),
            "dossier": ("200+", "200+", "200+", "200+", 401),
        },
        ("POST", "/api/requests/<int:request_id>/payment-link"): {
            "pending": (422, 422, 422, 422, 401),
            "dossier": ("200+", "200+", "200+", "200+", 401),
        },
        ("POST", "/api/requests/<int:request_id>/processed"): {
            "pending": (422, 422, 422, 422, 401),
            "dossier": ("200+", "200+", "200+", "200+", 401),
        },
        ("POST", "/api/requests/<int:request_id>/archive"): {
            "pending": (422, 422, 403, 403, 401),
            "dossier": ("200+", "200+", 403, 403, 401),
        },
        ("GET", "/api/subscriptions"): (200, 200, 200, 200, 401),
        ("GET", "/api/subscriptions/<int:subscription_id>"): {
            "shared": (200, 200, 200, 200, 401),
            "private": (200, 200, 404, 200, 401),
        },
        ("POST", "/api/subscriptions/<int:subscription_id>/cancel"): {
            "shared": ("200+", "200+", 403, 403, 401),
            "private": ("200+", "200+", 404, 403, 401),
        },
        ("PUT", "/api/subscriptions/<int:subscription_id>/plan"): {
            "shared": ("200+", "200+", 403, 403, 401),
            "private": ("200+", "200+", 404, 403, 401),
        },
        ("POST", "/r/conversation/<token>/quote"): {
            "open": (403, 403, 403, 403, 302),
        },
        ("GET", "/requests/<int:request_id>/archive"): {
            "pending": (200, 200, 403, 403, OUT),
            "dossier": (200, 200, 403, 403, OUT),
        },
        ("POST", "/requests/<int:request_id>/archive"): {
            "pending": (302, 302, 403, 403, OUT),
            "dossier": ("302+", "302+", 403, 403, OUT),
        },
        ("POST", "/requests/<int:request_id>/customer-comments"): {
            "pending": ("302+", "302+", "302+", "302+", OUT),
            "dossier": ("302+", "302+", "302+", "302+", OUT),
        },
        ("POST", "/requests/<int:request_id>/online-payment"): {
            "pending": ("302+", "302+", "302+", "302+", OUT),
            "dossier": ("302+", "302+", "302+", "302+", OUT),
        },
        ("POST", "/requests/<int:request_id>/order"): {
            "pending": (302, 302, 302, 302, OUT),
            "dossier": ("302+", "302+", "302+", "302+", OUT),
        },
        ("POST", "/requests/<int:request_id>/payment-link"): {
            "pending": (302, 302, 302, 302, OUT),
            "dossier": ("302+", "302+", "302+", "302+", OUT),
        },
        ("POST", "/requests/<int:request_id>/payments"): {
            "pending": (302, 302, 403, 403, OUT),
            "dossier": ("302+", "302+", 403, 403, OUT),
        },
        ("POST", "/requests/<int:request_id>/processed"): {
            "pending": (302, 302, 302, 302, OUT),
            "dossier": ("302+", "302+", "302+", "302+", OUT),
        },
        ("POST", "/requests/<int:request_id>/quotes"): {
            "pending": (302, 302, 302, 302, OUT),
            "dossier": ("302+", "302+", "302+", "302+", OUT),
        },
        ("POST", "/requests/<int:request_id>/quotes/<int:quote_id>/withdraw"): {
            "sent": ("302+", "302+", "302+", "302+", OUT),
        },
        ("GET", "/requests/dossiers"): (200, 200, 200, 200, OUT),
        ("GET", "/requests/subscriptions"): (200, 200, 200, 200, OUT),
        ("GET", "/requests/subscriptions/<int:subscription_id>"): {
            "shared": (200, 200, 200, 200, OUT),
            "private": (200, 200, 404, 200, OUT),
        },
        ("POST", "/requests/subscriptions/<int:subscription_id>/cancel"): {
            "shared": ("302+", "302+", 403, 403, OUT),
            "private": ("302+", "302+", 404, 403, OUT),
        },
        ("POST", "/requests/subscriptions/<int:subscription_id>/plan"): {
            "shared": ("302+", "302+", 403, 403, OUT),
            "private": ("302+", "302+", 404, 403, OUT),
        },
    }
)
