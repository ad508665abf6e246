"""Managers score calls: one review per reviewer and call (scoring again changes it),
1-5 overall and per team criterion, with a comment. Agents read the reviews of their own
calls, never a colleague's. The review queue lists the recordings there are to hear."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from voiceapp.domain import reviews as rules
from voiceapp.domain.roles import is_manager_or_admin
from voiceapp.domain.scheduling import OUTCOME_LABELS
from voiceapp.models import Call, CallReview, CaseEvent, Recording, User
from voiceapp.services.calls.recordings import is_stored
from voiceapp.services.team_settings import get_team_settings


class ReviewRefused(Exception):
    """The call cannot be reviewed by this member (status 403) or at all (409)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class ReviewInvalid(ValueError):
    """Input a review cannot take; `errors` maps fields to messages, as marshmallow does."""

    def __init__(self, errors: dict):
        super().__init__(str(errors))
        self.errors = errors


def may_review(user: User) -> bool:
    return is_manager_or_admin(user.role)


def team_criteria(db: Session) -> list[dict]:
    return list(get_team_settings(db).review_criteria or [])


def reviewable_problem(call: Call) -> str | None:
    """Why nobody may start reviewing this call (None: they may). A review scores what
    was heard, for the agent who took the call: it needs both."""
    if call.agent_id is None:
        return "nobody took this call: there is no agent to score"
    if not any(is_stored(r) for r in call.recordings):
        return "this call has no recording to listen to, so it cannot be scored"
    return None


def check_review_input(db: Session, score, criteria: dict, comment: str | None) -> None:
    errors: dict = {}
    if (problem := rules.score_problem(score)) is not None:
        errors["score"] = [problem]
    keys = [c["key"] for c in team_criteria(db)]
    if criteria_errors := rules.criteria_problems(criteria, keys):
        errors["criteria"] = criteria_errors
    if comment is not None and len(comment) > rules.MAX_COMMENT:
        errors["comment"] = [f"at most {rules.MAX_COMMENT} characters"]
    if errors:
        raise ReviewInvalid(errors)


def own_review(db: Session, call: Call, reviewer: User) -> CallReview | None:
    return db.scalar(
        select(CallReview).where(
            CallReview.call_sid == call.sid, CallReview.reviewer_id == reviewer.id
        )
    )


def save_review(
    db: Session,
    call: Call,
    reviewer: User,
    *,
    score: int,
    criteria: dict,
    comment: str | None,
    now: datetime,
) -> tuple[CallReview, bool]:
    """The reviewer's review of the call, created or changed in place; (review, created).
    A review already made may still be corrected after the recording's media is gone."""
    if not may_review(reviewer):
        raise ReviewRefused(403, "only sales managers and admins review calls")
    check_review_input(db, score, criteria, comment)
    review = own_review(db, call, reviewer)
    created = review is None
    if created:
        if (problem := reviewable_problem(call)) is not None:
            raise ReviewRefused(409, problem)
        review = CallReview(call_sid=call.sid, reviewer_id=reviewer.id, created_at=now)
        try:
            with db.begin_nested():
                db.add(review)
                _fill(review, call, score, criteria, comment, now)
        except IntegrityError:  # the same reviewer's other tab saved first: change that
            review, created = own_review(db, call, reviewer), False
    _fill(review, call, score, criteria, comment, now)
    return review, created


def _fill(review: CallReview, call: Call, score, criteria, comment, now: datetime) -> None:
    review.agent_id = call.agent_id
    review.score = score
    review.criteria = dict(criteria)
    review.comment = (comment or "").strip() or None
    review.updated_at = now


def visible_reviews(db: Session, call: Call, viewer: User) -> list[CallReview]:
    """Managers and admins read every review of the call; an agent only those scoring
    them (a colleague's scores are theirs alone)."""
    stmt = select(CallReview).where(CallReview.call_sid == call.sid)
    if not is_manager_or_admin(viewer.role):
        stmt = stmt.where(CallReview.agent_id == viewer.id)
    return list(db.scalars(stmt.order_by(CallReview.created_at, CallReview.id)))


class CallWithReviews:
    """A call as GET /api/calls/<sid> answers it: the call, and the reviews the asker may
    read (which depend on who asks, so they are not a relationship of the call)."""

    def __init__(self, call: Call, reviews: list[CallReview]):
        self._call = call
        self.reviews = reviews

    def __getattr__(self, name):
        return getattr(self._call, name)


# --- the review queue and "My reviews" ---------------------------------------------------


@dataclass
class QueueRow:
    recording: Recording
    call: Call
    outcome: str | None = None
    scores: list[int] = field(default_factory=list)
    mine: int | None = None

    @property
    def average(self) -> float | None:
        return sum(self.scores) / len(self.scores) if self.scores else None


def _outcome_of_call():
    return CaseEvent.data["call_sid"].as_string()


def queue_statement(filters: dict) -> Select:
    """Recordings there are to hear (stored, not deleted), with their calls, filtered."""
    stmt = (
        select(Recording, Call)
        .join(Call, Call.sid == Recording.call_sid)
        .where(
            Recording.fetched_at.is_not(None),
            Recording.media_path.is_not(None),
            Recording.deleted_at.is_(None),
        )
    )
    if filters.get("agent_id") is not None:
        stmt = stmt.where(Call.agent_id == filters["agent_id"])
    if filters.get("direction"):
        stmt = stmt.where(Call.direction == filters["direction"])
    if filters.get("since"):
        stmt = stmt.where(Call.started_at >= filters["since"])
    if filters.get("until"):
        stmt = stmt.where(Call.started_at < filters["until"])
    if filters.get("min_seconds") is not None:
        stmt = stmt.where(Recording.duration >= filters["min_seconds"])
    if filters.get("max_seconds") is not None:
        stmt = stmt.where(Recording.duration <= filters["max_seconds"])
    if filters.get("outcome"):
        stmt = stmt.where(
            exists().where(
                CaseEvent.kind == "outcome",
                _outcome_of_call() == Call.sid,
                CaseEvent.data["outcome"].as_string() == filters["outcome"],
            )
        )
    if filters.get("unreviewed"):
        stmt = stmt.where(~exists().where(CallReview.call_sid == Call.sid))
    return stmt


def review_queue(
    db: Session, viewer: User, filters: dict, *, page: int, per_page: int
) -> tuple[list[QueueRow], int]:
    stmt = queue_statement(filters)
    total = db.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    found = db.execute(
        stmt.order_by(Call.started_at.desc(), Recording.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    rows = [QueueRow(recording, call) for recording, call in found]
    _add_scores(db, rows, viewer)
    _add_outcomes(db, rows)
    return rows, total


def _add_scores(db: Session, rows: list[QueueRow], viewer: User) -> None:
    by_sid: dict[str, list[QueueRow]] = {}
    for row in rows:
        by_sid.setdefault(row.call.sid, []).append(row)
    if not by_sid:
        return
    found = db.execute(
        select(CallReview.call_sid, CallReview.score, CallReview.reviewer_id).where(
            CallReview.call_sid.in_(by_sid)
        )
    )
    for sid, score, reviewer_id in found:
        for row in by_sid[sid]:
            row.scores.append(score)
            if reviewer_id == viewer.id:
                row.mine = score


def _add_outcomes(db: Session, rows: list[QueueRow]) -> None:
    sids = {row.call.sid for row in rows}
    if not sids:
        return
    outcomes = outcomes_by_call(db, sids)
    for row in rows:
        row.outcome = outcomes.get(row.call.sid)


def outcomes_by_call(db: Session, sids) -> dict[str, str]:
    """The outcome label recorded (on a case) for each call, the latest when several."""
    found: dict[str, str] = {}
    events = db.execute(
        select(_outcome_of_call(), CaseEvent.data["outcome"].as_string())
        .where(CaseEvent.kind == "outcome", _outcome_of_call().in_(list(sids)))
        .order_by(CaseEvent.id)
    )
    for sid, outcome in events:
        if outcome in OUTCOME_LABELS:
            found[sid] = OUTCOME_LABELS[outcome]
    return found


def reviews_of_agent(
    db: Session, agent: User, *, page: int, per_page: int
) -> tuple[list[CallReview], int]:
    """The reviews scoring this member, newest first ("My reviews")."""
    stmt = select(CallReview).where(CallReview.agent_id == agent.id)
    total = db.scalar(select(func.count()).select_from(stmt.subquery()))
    items = db.scalars(
        stmt.order_by(CallReview.updated_at.desc(), CallReview.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return list(items), total


def calls_by_sid(db: Session, sids) -> dict[str, Call]:
    sids = set(sids)
    if not sids:
        return {}
    return {c.sid: c for c in db.scalars(select(Call).where(Call.sid.in_(sids)))}
