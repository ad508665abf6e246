"""The demo's requests: the public form /r/contact answers, and the inbox has a new
request, one with an unread answer of the customer, and a dossier; seeding twice adds
nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from voiceapp.demo import seed
from voiceapp.models import Request, RequestForm


def test_the_demo_has_a_form_and_requests_to_work(ctx, dbs, client):
    seed(dbs)
    dbs.commit()
    requests = dbs.scalars(select(Request).order_by(Request.id)).all()
    assert [r.kind for r in requests] == ["simple", "simple", "dossier"]
    assert [r.unread for r in requests] == [False, True, False]
    assert requests[1].status == "in_progress" and requests[0].status == "pending"
    assert client.get("/r/contact").status_code == 200
    seed(dbs)
    dbs.commit()
    assert dbs.scalar(select(func.count()).select_from(Request)) == 3
    assert dbs.scalar(select(func.count()).select_from(RequestForm)) == 1
