"""What each writing route is sent: input it accepts, so that where the rights allow the
request the change really happens (and the matrix can say so), and where they do not, a
refusal cannot hide behind a 422."""

from __future__ import annotations

import itertools
from datetime import timedelta

from sqlalchemy import select

from tests.integration.rights.world import upload
from voiceapp.db import utcnow
from voiceapp.models import CustomerNote, Order, Payment, Task, User
from voiceapp.models.settings import DEFAULT_CASE_TYPES

_serial = itertools.count(1)


def _contact_form(_world, _args, _role):
    return {
        "data": {
            "kind": "person",
            "first_name": "Matrix",
            "last_name": f"Person{next(_serial)}",
            "language": "de",
            "country": "DE",
            "visibility": "shared_write",
            "phone-0-number": f"+4915177{next(_serial):06d}",
            "phone-0-kind": "mobile",
        }
    }


def _contact_json(_world, _args, _role):
    return {
        "json": {
            "kind": "person",
            "first_name": "Matrix",
            "last_name": f"Person{next(_serial)}",
            "phones": [{"number": f"+4915188{next(_serial):06d}", "kind": "mobile"}],
        }
    }


def _new_case_form(_world, args, _role):
    return {
        "data": {
            "contact_id": str(args["contact_id"]),
            "type": "payment_reminder",
            "language": "de",
        }
    }


def _new_case_json(_world, args, _role):
    return {
        "json": {"contact_id": args["contact_id"], "type": "payment_reminder", "language": "de"}
    }


def _a_pool_case(world, _args, _role):
    """Something to take: each role's request finds a fresh pool case (the ones before
    are held by whoever took them)."""
    world.case("pool")
    return {}


def _case_settings(_world, _args, _role):
    return {
        "data": {
            "case_types": "\n".join(f"{t['key']}: {t['label']}" for t in DEFAULT_CASE_TYPES),
            "case_claim_minutes": "15",
            "max_not_reached": str(next(_serial) % 5 + 5),
            "calling_window_opens": "09:00",
            "calling_window_closes": "20:00",
            "calling_days": ["0", "1", "2", "3", "4", "5"],
        }
    }


def _telephony_settings(_world, _args, _role):
    hours = {f"hours_{day}": "09:00-18:00" for day in ("mon", "tue", "wed", "thu", "fri")}
    return {
        "data": {
            "languages": "de, en",
            "ivr_case_types": ["new_order", "payment_reminder"],
            "ring_timeout_seconds": str(next(_serial) % 10 + 20),
            "wrap_up_seconds": "30",
            **hours,
        }
    }


def _member_form(_world, _args, _role):
    n = next(_serial)
    return {
        "data": {
            "name": f"Member {n}",
            "email": f"matrix-member-{n}@example.com",
            "role": "agent",
            "password": "a long enough password",
            "active": "y",
            "payout_factor_percent": "100",
            "languages": "de",
        }
    }


def _template_form(_world, _args, _role):
    return {
        "data": {
            "key": f"matrix_new_{next(_serial)}",
            "name": "After a call",
            "subject": "Hello",
            "body_text": "Thank you for the call.",
            "active": "y",
        }
    }


def _csv(_world, _args, _role):
    n = next(_serial)
    text = f"first_name,last_name,phone\nImported,Person{n},+4915166{n:06d}\n"
    return {"data": {"file": upload("contacts.csv", text.encode())}}


def _take_it(world, _args, role):
    """Assign the case to oneself: what an agent may do to a pool case of theirs."""
    user = world.users.get(role)
    return {"data": {"assignee_id": str(user.id) if user else ""}}


def _something_unread(world, _args, role):
    if role in world.users:
        world.notification_for(world.users[role])
    return {}


def _product_json(_world, _args, _role):
    return {
        "json": {
            "name": f"Matrix product {next(_serial)}",
            "price": "99.90",
            "price_is": "gross",
            "currency": "EUR",
            "plans": [{"kind": "single"}],
        }
    }


def _product_form(_world, _args, _role):
    return {
        "data": {
            "name": f"Matrix product {next(_serial)}",
            "price": "99.90",
            "price_is": "gross",
            "currency": "EUR",
            "vat_category": "standard",
            "plans": "single",
        }
    }


def _order_json(world, args, _role):
    product = world.product("any")
    return {
        "json": {
            "contact_id": args["contact_id"],
            "items": [{"product_id": product.id, "quantity": 1}],
            "buyer": {"last_name": "Muster", "country": "DE"},
        }
    }


# --- the order page: each allowed action finds something to do on the world's order ---


def _order_with(world, args, **changes):
    order = world.dbs.get(Order, args["order_id"])
    for name, value in changes.items():
        setattr(order, name, value)
    return order


def _money_received(world, args, _role):
    """A payment in, so there is something to refund."""
    order = _order_with(world, args, status="paid")
    world.dbs.add(Payment(order=order, method="manual", amount="10.00", currency="EUR"))
    world.dbs.commit()
    return {"data": {"reason": "matrix refund"}}


def _something_outstanding(world, args, _role):
    _order_with(world, args, total="100.00")
    world.dbs.commit()
    return {"data": {"amount": "10.00", "method": "manual"}}


def _pending_debit(world, args, _role):
    order = _order_with(world, args)
    debit = Payment(order=order, method="sepa", status="pending", amount="10.00", currency="EUR")
    world.dbs.add(debit)
    world.dbs.commit()
    return {"data": {"payment_id": str(debit.id)}}


def _own_note(world, args, role):
    """A note the asker wrote on the order's customer."""
    order = world.dbs.get(Order, args["order_id"])
    user = world.users.get(role)
    note = CustomerNote(
        contact_id=order.contact_id, text="matrix note", author_id=user.id if user else None
    )
    world.dbs.add(note)
    world.dbs.commit()
    return {"data": {"note_id": str(note.id)}}


def _order_form(world, args, _role):
    product = world.product("any")
    return {
        "data": {
            "contact_id": str(args["contact_id"]),
            "main_product": str(product.id),
            "main_quantity": "1",
            "plan": f"{product.id}:0",
            "last_name": "Muster",
            "country": "DE",
        }
    }


def _demo_checkout(world, args, _role, *, into: str = "data"):
    """A checkout the demo provider started for the order (signed by the app under test)."""
    from voiceapp.domain.payment_code import parse_code
    from voiceapp.web.pay import _checkouts

    with world.app.test_request_context():
        token = _checkouts().dumps(
            {
                "code": parse_code(args["code"]),
                "amount": "119.00",
                "ref": f"demo_matrix_{next(_serial)}",
            }
        )
    return {into: {"c": token, **({"outcome": "pay"} if into == "data" else {})}}


def _mandate(_world, _args, _role):
    return {"data": {"holder": "Matrix Person", "iban": "DE89370400440532013000", "accept": "yes"}}


def _several_members(_world, _args, _role):
    n = next(_serial)
    return {
        "data": {
            "emails": f"matrix-bulk-{n}@example.com\nBulk Person <matrix-bulk-{n}b@example.com>",
            "role": "agent",
            "payout_factor_percent": "80",
            "confirm": "1",
        }
    }


def _payout_run_json(world, _args, _role):
    return {"json": {"member_ids": [world.payable_member().id], "minimum": "10.00"}}


def _payout_run_form(world, _args, _role):
    member = world.payable_member()
    return {"data": {"member_ids": str(member.id), "minimum": "10.00", "currency": "EUR"}}


def _pending_payout_ids(world, _args, _role, *, into: str):
    payout_id = world.payout("pending").id
    return {"json": {"ids": [payout_id]}} if into == "json" else {"data": {"ids": str(payout_id)}}


PAYLOADS = {
    ("PATCH", "/api/members/<int:user_id>"): lambda w, a, r: {
        "json": {"payout_factor_percent": "75", "payouts_held": True}
    },
    ("PATCH", "/api/team/commission-settings"): lambda w, a, r: {
        "json": {"withdrawal_days": next(_serial) % 300 + 1}
    },
    ("POST", "/members/add-several"): _several_members,
    ("POST", "/settings/commissions"): lambda w, a, r: {
        "data": {
            "team_share_percent": "10",
            "approval_required": "y",
            "withdrawal_days": str(next(_serial) % 300 + 1),
            "payout_currencies": "EUR",
            "minimum_payout": "0",
        }
    },
    ("POST", "/invitation/<invitation>"): lambda w, a, r: {
        "data": {"password": "a long enough password", "again": "a long enough password"}
    },
    ("POST", "/api/payouts"): _payout_run_json,
    ("POST", "/api/payouts/paid"): lambda w, a, r: _pending_payout_ids(w, a, r, into="json"),
    ("POST", "/payouts/new"): _payout_run_form,
    ("POST", "/payouts/paid"): lambda w, a, r: _pending_payout_ids(w, a, r, into="data"),
    ("POST", "/account/tokens"): lambda w, a, r: {"data": {"name": "CRM sync"}},
    ("PUT", "/api/agents/me/presence"): lambda w, a, r: {"json": {"status": "online"}},
    ("GET", "/api/phone-numbers/normalized"): lambda w, a, r: {
        "query_string": {"number": "0151 12345678", "region": "DE"}
    },
    ("GET", "/api/caller-card"): lambda w, a, r: {"query_string": {"number": "+4915112345678"}},
    ("POST", "/api/cases"): _new_case_json,
    ("PATCH", "/api/cases/<int:case_id>"): lambda w, a, r: {
        "json": {"due_at": (utcnow() + timedelta(days=3)).isoformat()}
    },
    ("POST", "/api/cases/<int:case_id>/files"): lambda w, a, r: {"data": {"file": upload()}},
    ("POST", "/api/cases/<int:case_id>/outcome"): lambda w, a, r: {
        "json": {"outcome": "not_reached"}
    },
    ("POST", "/api/contacts"): _contact_json,
    ("POST", "/api/orders"): _order_json,
    ("POST", "/api/orders/<int:order_id>/payments"): lambda w, a, r: {
        "json": {"amount": "10.00", "method": "bank_transfer", "reference": "matrix"}
    },
    ("GET", "/orders/new"): lambda w, a, r: {"query_string": {"contact_id": a["contact_id"]}},
    ("POST", "/orders/new"): _order_form,
    ("POST", "/api/products"): _product_json,
    ("PATCH", "/api/products/<int:product_id>"): lambda w, a, r: {"json": {"name": "Renamed"}},
    ("POST", "/products/new"): _product_form,
    ("POST", "/products/<int:product_id>"): _product_form,
    ("POST", "/products/<int:product_id>/active"): lambda w, a, r: {"data": {"active": "0"}},
    ("POST", "/settings/sales"): lambda w, a, r: {
        "data": {"seller_country": "AT" if next(_serial) % 2 else "FR"}
    },
    ("PATCH", "/api/contacts/<int:contact_id>"): lambda w, a, r: {
        "json": {"first_name": "Renamed"}
    },
    ("POST", "/cases/<int:case_id>/assign"): _take_it,
    ("POST", "/cases/<int:case_id>/outcome"): lambda w, a, r: {"data": {"outcome": "not_reached"}},
    ("GET", "/cases/new"): lambda w, a, r: {"query_string": {"contact_id": a["contact_id"]}},
    ("GET", "/api/reports/calls"): lambda w, a, r: {
        "query_string": {"from": "2025-03-01", "to": "2025-03-31"}
    },
    ("POST", "/cases/new"): _new_case_form,
    ("POST", "/cases/next"): _a_pool_case,
    ("POST", "/notifications/read-all"): _something_unread,
    ("POST", "/api/cases/next"): _a_pool_case,
    ("POST", "/settings/cases"): _case_settings,
    ("POST", "/settings/telephony"): _telephony_settings,
    ("POST", "/contacts/<int:contact_id>/edit"): _contact_form,
    ("POST", "/contacts/<int:contact_id>/notes"): lambda w, a, r: {"data": {"note": "Called."}},
    ("POST", "/contacts/import"): _csv,
    ("POST", "/contacts/new"): _contact_form,
    ("POST", "/email-templates/<int:template_id>"): _template_form,
    ("POST", "/email-templates/new"): _template_form,
    ("POST", "/members/<int:user_id>"): _member_form,
    ("POST", "/members/new"): _member_form,
    ("POST", "/numbers/<int:number_id>"): lambda w, a, r: {"data": {"recording_enabled": "y"}},
    ("POST", "/numbers/<int:number_id>/operators"): lambda w, a, r: {
        "data": {"user_id": str(w.users["agent"].id), "outgoing_enabled": "y"}
    },
    ("POST", "/numbers/<int:number_id>/operators/<int:operator_id>"): lambda w, a, r: {
        "data": {"recording_enabled": "y"}
    },
    ("POST", "/orders/<int:order_id>/cancel"): lambda w, a, r: {"data": {"reason": "matrix"}},
    ("POST", "/orders/<int:order_id>/refund"): _money_received,
    ("POST", "/orders/<int:order_id>/payments"): _something_outstanding,
    ("POST", "/orders/<int:order_id>/payments/received"): _pending_debit,
    ("POST", "/orders/<int:order_id>/auto-cancel"): lambda w, a, r: {
        "data": {"auto_cancel_at": "2999-01-01T10:00"}
    },
    ("POST", "/orders/<int:order_id>/auto-payments"): lambda w, a, r: {"data": {"enabled": "0"}},
    ("POST", "/orders/<int:order_id>/notes"): lambda w, a, r: {"data": {"text": "Called."}},
    ("POST", "/orders/<int:order_id>/notes/delete"): _own_note,
    ("POST", "/numbers/link"): lambda w, a, r: {"data": {"sid": "PN" + "0" * 32}},
    ("POST", "/numbers/buy"): lambda w, a, r: {"data": {"number": "+4930901899"}},
    ("GET", "/p/<code>/demo"): lambda w, a, r: _demo_checkout(w, a, r, into="query_string"),
    ("POST", "/p/<code>/demo/complete"): _demo_checkout,
    ("POST", "/p/<code>/sepa"): _mandate,
}


def _member_with_a_commission(world, args, _role):
    """Something to move: a pending commission of the member (a fresh one when the URL
    names none)."""
    member = world.dbs.get(User, args["user_id"]) if "user_id" in args else world.member("any")
    world.commission_for(member)
    return {"data": {"member_id": str(member.id), "action": "execute", "confirm": "1"}}


PAYLOADS.update(
    {
        ("POST", "/api/commissions/decisions"): lambda w, a, r: {
            "json": {"ids": [a["commission_id"]], "decision": "approve"}
        },
        ("POST", "/commissions/decisions"): lambda w, a, r: {
            "data": {"ids": str(a["commission_id"]), "decision": "approve"}
        },
        ("POST", "/api/members/<int:user_id>/reassign"): lambda w, a, r: {
            k: v for k, v in _member_with_a_commission(w, a, r).items() if k != "data"
        },
        ("POST", "/commissions/reassign"): _member_with_a_commission,
    }
)


def _recorded(world, sid: str) -> None:
    """A review scores what was heard: the call gets a stored recording first (so where
    the rights allow, the review is really made)."""
    from voiceapp.models import Recording

    if world.dbs.scalar(select(Recording.id).where(Recording.call_sid == sid)) is None:
        n = next(_serial)
        root = world.app.config["VOICEAPP"].resolved_recordings_path()
        root.mkdir(parents=True, exist_ok=True)
        (root / f"review-{n}.wav").write_bytes(b"RIFF....WAVEfmt ")
        world.dbs.add(
            Recording(
                sid=f"RE{n:032x}",
                call_sid=sid,
                status="completed",
                media_path=f"review-{n}.wav",
                media_bytes=16,
                fetched_at=utcnow(),
            )
        )
        world.dbs.commit()


def _review_json(world, args, _role):
    _recorded(world, args["sid"])
    return {"json": {"score": 4, "criteria": {"greeting": 5}, "comment": "Matrix"}}


def _review_form(world, args, _role):
    _recorded(world, args["sid"])
    return {"data": {"score": "4", "criterion-greeting": "5", "comment": "Matrix"}}


def _task_form(_world, _args, _role):
    return {
        "data": {"title": f"Task {next(_serial)}", "due_date": "2999-01-01", "due_time": "10:00"}
    }


def _a_done_task(world, args, _role):
    """Something to reopen."""
    task = world.dbs.get(Task, args["task_id"])
    task.done_at = utcnow()
    world.dbs.commit()
    return {}


PAYLOADS.update(
    {
        ("POST", "/api/calls/<sid>/reviews"): _review_json,
        ("POST", "/calls/<sid>/review"): _review_form,
        ("POST", "/cases/<int:case_id>/keep-recordings"): lambda w, a, r: {"data": {"keep": "1"}},
        ("POST", "/settings/recordings"): lambda w, a, r: {
            "data": {"retention_days": "30", "new_label": f"Matrix {next(_serial)}"}
        },
        ("POST", "/api/tasks"): lambda w, a, r: {
            "json": {
                "title": "Send the contract",
                "due_at": (utcnow() + timedelta(days=1)).isoformat(),
                "contact_id": a["contact_id"],
            }
        },
        ("PATCH", "/api/tasks/<int:task_id>"): lambda w, a, r: {
            "json": {"title": f"Renamed {next(_serial)}"}
        },
        ("POST", "/api/tasks/<int:task_id>/reopen"): _a_done_task,
        ("POST", "/tasks/<int:task_id>/reopen"): _a_done_task,
        ("POST", "/tasks/<int:task_id>/edit"): _task_form,
        ("POST", "/contacts/<int:contact_id>/tasks"): _task_form,
        ("POST", "/cases/<int:case_id>/tasks"): _task_form,
    }
)


def _public_request(world, args, _role):
    """The public form as a person sends it (a start time long enough ago)."""
    from tests.request_helpers import started
    from voiceapp.models import RequestForm

    form = world.dbs.scalar(select(RequestForm).where(RequestForm.slug == args["slug"]))
    return {
        "data": {
            "start": started(form.id),
            "name": "Anna Muster",
            "email": "anna@example.com",
            "message": "Hello",
        }
    }


def _a_label(world, _args, _role, *, into: str):
    label = world.label("any")
    if into == "json":
        return {"json": {"label_ids": [label.id]}}
    return {"data": {"label_ids": str(label.id)}}


PAYLOADS.update(
    {
        ("POST", "/r/<slug>"): _public_request,
        ("POST", "/r/conversation/<token>"): lambda w, a, r: {"data": {"body": "Thanks!"}},
        ("POST", "/api/requests"): lambda w, a, r: {
            "json": {"name": "Anna Muster", "email": "anna@example.com"}
        },
        ("PATCH", "/api/requests/<int:request_id>"): lambda w, a, r: {
            "json": {"payment_method": "card"}
        },
        ("POST", "/api/requests/<int:request_id>/messages"): lambda w, a, r: {
            "json": {"body": "We are on it."}
        },
        ("POST", "/api/requests/<int:request_id>/notes"): lambda w, a, r: {"json": {"body": "VIP"}},
        ("PUT", "/api/requests/<int:request_id>/labels"): lambda w, a, r: _a_label(
            w, a, r, into="json"
        ),
        ("POST", "/requests/<int:request_id>/status"): lambda w, a, r: {
            "data": {"status": "in_progress"}
        },
        ("POST", "/requests/<int:request_id>/details"): lambda w, a, r: {
            "data": {"payment_method": "card"}
        },
        ("POST", "/requests/<int:request_id>/reply"): lambda w, a, r: {
            "data": {"body": "We are on it."}
        },
        ("POST", "/requests/<int:request_id>/notes"): lambda w, a, r: {"data": {"body": "VIP"}},
        ("POST", "/requests/<int:request_id>/labels"): lambda w, a, r: _a_label(
            w, a, r, into="data"
        ),
        ("POST", "/requests/labels"): lambda w, a, r: {
            "data": {"name": f"Label {next(_serial)}", "color": "red"}
        },
        ("POST", "/requests/labels/<int:label_id>"): lambda w, a, r: {
            "data": {"name": f"Renamed {next(_serial)}", "color": "green"}
        },
        ("POST", "/requests/forms"): lambda w, a, r: {
            "data": {"slug": f"new-{next(_serial)}", "title": "Book a course", "active": "on"}
        },
        ("POST", "/requests/forms/<int:form_id>"): lambda w, a, r: {
            "data": {"slug": f"renamed-{next(_serial)}", "title": "Renamed", "active": "on"}
        },
    }
)


# Quotes, payments, stages and subscriptions (issue #17's dossier part).
PAYLOADS.update(
    {
        ("POST", "/api/requests/<int:request_id>/quotes"): lambda w, a, r: {
            "json": {"amount": "90.00"}
        },
        ("POST", "/requests/<int:request_id>/quotes"): lambda w, a, r: {
            "data": {"amount": "90.00", "message": "Our offer"}
        },
        ("POST", "/requests/<int:request_id>/online-payment"): lambda w, a, r: {
            "data": {"online": "0"}
        },
        ("POST", "/requests/<int:request_id>/payments"): lambda w, a, r: {
            "data": {
                "amount": "10.00",
                "received_on": utcnow().date().isoformat(),
                "method": "bank_transfer",
                "payer_name": "Anna Muster",
            }
        },
        ("POST", "/requests/<int:request_id>/customer-comments"): lambda w, a, r: {
            "data": {"text": "10 % discount"}
        },
        ("POST", "/r/conversation/<token>/quote"): lambda w, a, r: {"data": {"answer": "accept"}},
        ("PUT", "/api/subscriptions/<int:subscription_id>/plan"): lambda w, a, r: {
            "json": {"plan": {**SUBSCRIPTION_YEARLY}}
        },
        ("POST", "/requests/subscriptions/<int:subscription_id>/plan"): lambda w, a, r: {
            "data": {"plan": "1"}
        },
    }
)
SUBSCRIPTION_YEARLY = {
    "kind": "subscription",
    "amount": "29.00",
    "interval": 1,
    "interval_unit": "year",
    "start_days": 0,
}


def payload(method: str, rule: str, world, args: dict, role: str) -> dict:
    make = PAYLOADS.get((method, rule))
    return make(world, args, role) if make else {}
