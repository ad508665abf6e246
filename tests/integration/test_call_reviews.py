"""Call reviews: POST /api/calls/<sid>/reviews (rights, 422s, update in place), the
reviews in GET /api/calls/<sid> (an agent reads only those scoring them), and the panel:
the call page's review form, the review queue's filters, "My reviews"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import form_token, sign_in
from tests.factories import PASSWORD, CaseFactory, ContactFactory, UserFactory
from tests.integration.test_panel_calls import T0, add_call, add_recording, sids_on
from voiceapp.models import CallReview, CaseEvent
from voiceapp.services.team_settings import update_team_settings


@pytest.fixture
def client(files_app):
    return files_app.test_client()


@pytest.fixture
def people(ctx):
    return {
        "admin": UserFactory(role="admin", name="Ada Admin"),
        "manager": UserFactory(role="sales_manager", name="Max Manager"),
        "agent": UserFactory(role="agent", name="Anna Agent"),
        "other": UserFactory(role="agent", name="Otto Other"),
    }


@pytest.fixture
def recorded(files_app, dbs, people):
    """Anna's call, with its recording stored here."""
    call = add_call(dbs, agent_id=people["agent"].id, contact_id=ContactFactory().id)
    add_recording(dbs, files_app, call)
    return call


def recording_of(dbs, app, call, seconds: int):
    rec = add_recording(dbs, app, call)
    rec.duration = seconds
    dbs.commit()
    return rec


def reviews_in_db(dbs) -> list[CallReview]:
    dbs.rollback()
    dbs.expire_all()
    return list(dbs.scalars(select(CallReview).order_by(CallReview.id)))


GOOD = {"score": 4, "criteria": {"greeting": 5, "offer": 3}, "comment": "Friendly, rushed offer"}


# --- the API ------------------------------------------------------------------------------


def test_a_manager_scores_a_call_and_scoring_again_changes_the_same_review(
    as_user, dbs, people, recorded
):
    api = as_user(people["manager"])
    made = api("POST", f"/api/calls/{recorded.sid}/reviews", json=GOOD)
    assert made.status_code == 201, made.text
    assert made.json["score"] == 4 and made.json["criteria"] == {"greeting": 5, "offer": 3}
    assert made.json["reviewer_name"] == "Max Manager"
    assert made.json["agent_id"] == people["agent"].id

    changed = api(
        "POST", f"/api/calls/{recorded.sid}/reviews", json={"score": 2, "comment": "Rethought"}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json["id"] == made.json["id"]
    [review] = reviews_in_db(dbs)
    assert (review.score, review.criteria, review.comment) == (2, {}, "Rethought")
    assert review.agent_id == people["agent"].id


def test_two_managers_each_have_their_own_review_and_the_call_shows_both(
    as_user, dbs, people, recorded
):
    as_user(people["manager"])("POST", f"/api/calls/{recorded.sid}/reviews", json=GOOD)
    as_user(people["admin"])("POST", f"/api/calls/{recorded.sid}/reviews", json={"score": 5})
    body = as_user(people["manager"])("GET", f"/api/calls/{recorded.sid}").json
    assert [(r["reviewer_name"], r["score"]) for r in body["reviews"]] == [
        ("Max Manager", 4),
        ("Ada Admin", 5),
    ]
    for key in ("criteria", "comment", "created_at", "updated_at", "reviewer_id"):
        assert key in body["reviews"][0]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"score": 0}, "score"),
        ({"score": 6}, "score"),
        ({"score": "4"}, "score"),
        ({"score": 3.5}, "score"),
        ({}, "score"),
        ({"score": 3, "criteria": {"charm": 4}}, "criteria"),
        ({"score": 3, "criteria": {"greeting": 9}}, "criteria"),
        ({"score": 3, "criteria": ["greeting"]}, "criteria"),
        ({"score": 3, "comment": "x" * 4001}, "comment"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_stores_nothing(
    as_user, dbs, people, recorded, body, field
):
    response = as_user(people["manager"])("POST", f"/api/calls/{recorded.sid}/reviews", json=body)
    assert response.status_code == 422, response.text
    assert field in response.json["errors"]["json"]
    assert reviews_in_db(dbs) == []


def test_an_unknown_criterion_is_named_in_the_error(as_user, people, recorded):
    response = as_user(people["admin"])(
        "POST", f"/api/calls/{recorded.sid}/reviews", json={"score": 3, "criteria": {"charm": 4}}
    )
    assert response.json["errors"]["json"]["criteria"] == {
        "charm": ["not one of the team's review criteria"]
    }


def test_a_criterion_the_admin_added_can_be_scored(as_user, dbs, people, recorded):
    update_team_settings(dbs, review_criteria=[{"key": "empathy", "label": "Empathy"}])
    dbs.commit()
    api = as_user(people["manager"])
    ok = api(
        "POST", f"/api/calls/{recorded.sid}/reviews", json={"score": 3, "criteria": {"empathy": 4}}
    )
    assert ok.status_code == 201, ok.text
    gone = api(
        "POST", f"/api/calls/{recorded.sid}/reviews", json={"score": 3, "criteria": {"greeting": 4}}
    )
    assert gone.status_code == 422


def test_agents_may_not_review_even_their_own_call(as_user, dbs, people, recorded):
    own = as_user(people["agent"])("POST", f"/api/calls/{recorded.sid}/reviews", json=GOOD)
    assert own.status_code == 403
    colleague = as_user(people["other"])("POST", f"/api/calls/{recorded.sid}/reviews", json=GOOD)
    assert colleague.status_code == 404  # not even that the call exists
    assert reviews_in_db(dbs) == []


def test_a_call_without_a_recording_to_hear_or_without_an_agent_cannot_be_reviewed(
    as_user, files_app, dbs, people
):
    unrecorded = add_call(dbs, agent_id=people["agent"].id)
    not_stored = add_call(dbs, agent_id=people["agent"].id)
    add_recording(dbs, files_app, not_stored, stored=False)
    voicemail = add_call(dbs, agent_id=None, missed=True, voicemail=True)
    add_recording(dbs, files_app, voicemail)
    api = as_user(people["manager"])
    for call in (unrecorded, not_stored, voicemail):
        response = api("POST", f"/api/calls/{call.sid}/reviews", json=GOOD)
        assert response.status_code == 409, response.text
    assert "no agent" in api("POST", f"/api/calls/{voicemail.sid}/reviews", json=GOOD).text
    assert api("POST", "/api/calls/CAnothing/reviews", json=GOOD).status_code == 404
    assert reviews_in_db(dbs) == []


def test_a_review_made_can_still_be_corrected_after_retention_deleted_the_media(
    as_user, dbs, people, recorded
):
    api = as_user(people["manager"])
    api("POST", f"/api/calls/{recorded.sid}/reviews", json=GOOD)
    dbs.rollback()
    for rec in recorded.recordings:
        rec.deleted_at, rec.deleted_reason = T0 + timedelta(days=91), "retention"
    dbs.commit()
    again = api("POST", f"/api/calls/{recorded.sid}/reviews", json={"score": 1})
    assert again.status_code == 200, again.text
    fresh = as_user(people["admin"])("POST", f"/api/calls/{recorded.sid}/reviews", json=GOOD)
    assert fresh.status_code == 409  # a new review needs something to hear
    recording = api("GET", f"/api/calls/{recorded.sid}").json["recordings"][0]
    assert recording["stored"] is False and recording["deleted_reason"] == "retention"


def test_an_agent_reads_the_reviews_scoring_them_and_never_a_colleagues(
    as_user, files_app, dbs, people, recorded
):
    theirs = add_call(dbs, agent_id=people["other"].id)
    add_recording(dbs, files_app, theirs)
    manager = as_user(people["manager"])
    manager("POST", f"/api/calls/{recorded.sid}/reviews", json=GOOD)
    manager("POST", f"/api/calls/{theirs.sid}/reviews", json={"score": 1, "comment": "Rude"})

    anna = as_user(people["agent"])
    mine = anna("GET", f"/api/calls/{recorded.sid}")
    assert [r["comment"] for r in mine.json["reviews"]] == ["Friendly, rushed offer"]
    assert anna("GET", f"/api/calls/{theirs.sid}").status_code == 404


def test_on_an_unanswered_call_an_agent_sees_no_review_of_anyone(
    as_user, files_app, dbs, people, recorded
):
    # A call taken by Otto and then handed over: the review scores Otto, not Anna.
    as_user(people["manager"])("POST", f"/api/calls/{recorded.sid}/reviews", json=GOOD)
    dbs.rollback()
    review = dbs.scalar(select(CallReview))
    review.agent_id = people["other"].id
    dbs.commit()
    body = as_user(people["agent"])("GET", f"/api/calls/{recorded.sid}").json
    assert body["reviews"] == []


# --- the panel ----------------------------------------------------------------------------


def _signed_in(client, user):
    sign_in(client, user.email, PASSWORD)
    return user


def test_a_manager_scores_on_the_call_page_and_sees_the_review_there(client, dbs, people, recorded):
    _signed_in(client, people["manager"])
    page = client.get(f"/calls/{recorded.sid}")
    assert page.status_code == 200
    assert 'data-testid="review-form"' in page.text
    assert 'data-testid="player"' in page.text
    response = client.post(
        f"/calls/{recorded.sid}/review",
        data={
            "csrf_token": form_token(client, f"/calls/{recorded.sid}"),
            "score": "4",
            "criterion-greeting": "5",
            "criterion-offer": "",
            "comment": "Warm greeting",
        },
    )
    assert response.status_code == 302
    [review] = reviews_in_db(dbs)
    assert (review.score, review.criteria, review.comment) == (4, {"greeting": 5}, "Warm greeting")
    html = client.get(f"/calls/{recorded.sid}").text
    assert "4/5" in html and "Warm greeting" in html and "Change your review" in html


def test_the_review_form_without_a_score_comes_back_with_a_message(client, dbs, people, recorded):
    _signed_in(client, people["admin"])
    response = client.post(
        f"/calls/{recorded.sid}/review",
        data={"csrf_token": form_token(client, f"/calls/{recorded.sid}"), "comment": "kept"},
    )
    assert response.status_code == 422
    assert "a score is a whole number from 1 to 5" in response.text
    assert "kept</textarea>" in response.text  # what was typed is not lost
    assert reviews_in_db(dbs) == []


def test_an_agent_sees_reviews_of_their_call_and_in_my_reviews_but_no_form(
    client, as_user, dbs, people, recorded
):
    as_user(people["manager"])("POST", f"/api/calls/{recorded.sid}/reviews", json=GOOD)
    _signed_in(client, people["agent"])
    page = client.get(f"/calls/{recorded.sid}").text
    assert "Friendly, rushed offer" in page and 'data-testid="review-form"' not in page
    mine = client.get("/calls/reviews/mine")
    assert mine.status_code == 200
    assert "Friendly, rushed offer" in mine.text and "Max Manager" in mine.text
    assert client.get("/calls/reviews").status_code == 403
    assert client.get("/calls/listens").status_code == 403


def test_my_reviews_lists_only_the_reviews_scoring_me(client, as_user, files_app, dbs, people):
    theirs = add_call(dbs, agent_id=people["other"].id)
    add_recording(dbs, files_app, theirs)
    as_user(people["manager"])(
        "POST", f"/api/calls/{theirs.sid}/reviews", json={"score": 2, "comment": "Otto's"}
    )
    _signed_in(client, people["agent"])
    page = client.get("/calls/reviews/mine").text
    assert "Otto&#39;s" not in page and "Otto's" not in page
    assert "No call of yours has been reviewed yet." in page


def test_the_review_queue_filters(client, as_user, files_app, dbs, people):
    anna, otto = people["agent"], people["other"]
    contact = ContactFactory()
    a = add_call(dbs, agent_id=anna.id, contact_id=contact.id, started_at=T0)
    recording_of(dbs, files_app, a, 30)
    b = add_call(dbs, agent_id=otto.id, direction="outbound", started_at=T0 + timedelta(days=1))
    recording_of(dbs, files_app, b, 300)
    c = add_call(dbs, agent_id=anna.id, started_at=T0 + timedelta(days=2))
    recording_of(dbs, files_app, c, 90)
    gone = add_call(dbs, agent_id=anna.id, started_at=T0)
    add_recording(dbs, files_app, gone, deleted_at=T0, deleted_reason="retention")
    not_here = add_call(dbs, agent_id=anna.id, started_at=T0)
    add_recording(dbs, files_app, not_here, stored=False)
    case = CaseFactory(contact=contact)
    dbs.add(
        CaseEvent(
            case_id=case.id,
            kind="outcome",
            summary="Not reached",
            data={"outcome": "not_reached", "call_sid": a.sid},
        )
    )
    dbs.commit()
    as_user(people["admin"])("POST", f"/api/calls/{c.sid}/reviews", json={"score": 5})
    _signed_in(client, people["manager"])

    def shown(**query):
        page = client.get("/calls/reviews", query_string=query)
        assert page.status_code == 200, page.text
        return sids_on(page)

    assert shown() == {a.sid, b.sid, c.sid}  # only recordings there are to hear
    assert shown(agent=anna.id) == {a.sid, c.sid}
    assert shown(direction="outbound") == {b.sid}
    assert shown(min="60") == {b.sid, c.sid}
    assert shown(max="100") == {a.sid, c.sid}
    assert shown(outcome="not_reached") == {a.sid}
    assert shown(unreviewed="1") == {a.sid, b.sid}
    assert shown(**{"from": "2025-03-05", "to": "2025-03-05"}) == {b.sid}
    assert client.get("/calls/reviews", query_string={"min": "soon"}).status_code == 422
    assert client.get("/calls/reviews", query_string={"outcome": "won"}).status_code == 422
    html = client.get("/calls/reviews").text
    assert "5.0" in html and "Not reached" in html


def test_the_listen_log_shows_who_listened_when_filtered_by_member(
    client, files_app, dbs, people, recorded
):
    _signed_in(client, people["manager"])
    rec = recorded.recordings[0]
    assert client.get(f"/calls/recordings/{rec.sid}").status_code == 200
    client.get("/sign-out")
    admin_client = files_app.test_client()
    _signed_in(admin_client, people["admin"])
    page = admin_client.get("/calls/listens")
    assert page.status_code == 200
    log = page.text.split('data-testid="listen-log"')[1]
    assert "Max Manager" in log and "Sales manager" in log
    other = admin_client.get("/calls/listens", query_string={"member": people["admin"].id})
    log = other.text.split('data-testid="listen-log"')[1]
    assert "Max Manager" not in log and "Nobody listened" in log
    assert admin_client.get("/calls/listens", query_string={"from": "x"}).status_code == 422


def test_the_calls_list_links_to_the_call_page_and_the_tabs_follow_the_role(
    client, dbs, people, recorded
):
    _signed_in(client, people["manager"])
    html = client.get("/calls").text
    assert f'href="/calls/{recorded.sid}"' in html
    assert "Review queue" in html and "Listen log" not in html
    count = dbs.scalar(select(func.count()).select_from(CallReview))
    assert count == 0
