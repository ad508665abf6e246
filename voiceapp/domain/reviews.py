"""The rules of recordings review: what a score is, which criteria a review may score, how
the team's criteria list is edited without breaking the keys old reviews used, and from
when the retention period deletes a recording's media. Pure: no Flask, no database."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta

MIN_SCORE, MAX_SCORE = 1, 5
MAX_COMMENT = 4000
MAX_CRITERIA = 20
MAX_LABEL = 60
# A team keeping recordings longer than ten years is a typing mistake (and timedelta's
# arithmetic near year 1 would fail long before that).
MAX_RETENTION_DAYS = 3650


def score_problem(value) -> str | None:
    """Why `value` is not a score (None when it is one): a whole number from 1 to 5."""
    if isinstance(value, bool) or not isinstance(value, int):
        return f"a score is a whole number from {MIN_SCORE} to {MAX_SCORE}"
    if not MIN_SCORE <= value <= MAX_SCORE:
        return f"a score is from {MIN_SCORE} to {MAX_SCORE}"
    return None


def criteria_problems(scores: dict, known_keys: list[str]) -> dict[str, list[str]]:
    """{criterion key: [problem]} for scores of criteria the team does not have, or values
    that are not scores. Leaving a criterion out is allowed (not every call has an offer)."""
    problems: dict[str, list[str]] = {}
    for key, value in scores.items():
        if key not in known_keys:
            problems[str(key)[:80]] = ["not one of the team's review criteria"]
        elif (problem := score_problem(value)) is not None:
            problems[key] = [problem]
    return problems


def criterion_key(label: str) -> str:
    """A stable key for a new criterion's label ("Needs found" -> "needs_found")."""
    ascii_text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    key = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
    return key[:40] or "criterion"


def edit_criteria(current: list[dict], rows: list[tuple[str, str]]) -> tuple[list[dict], list[str]]:
    """The criteria after an edit. `rows` are (key, label) as the form sends them: a known
    key with a new label renames (the key stays, so old reviews still read right), a key
    left out removes, an empty key with a label adds. Empty labels are rows to ignore."""
    known = {c["key"] for c in current}
    result: list[dict] = []
    problems: list[str] = []
    for key, label in rows:
        label = " ".join((label or "").split())
        if not label:
            continue
        if len(label) > MAX_LABEL:
            problems.append(f"{label[:20]}…: a label is at most {MAX_LABEL} characters.")
            continue
        if key and key not in known:
            problems.append(f"{label}: this criterion no longer exists; reload the page.")
            continue
        if not key:
            key = _unused_key(criterion_key(label), {c["key"] for c in result} | known)
        result.append({"key": key, "label": label})
    labels = [c["label"].casefold() for c in result]
    if len(set(labels)) != len(labels):
        problems.append("Two criteria have the same label.")
    if len({c["key"] for c in result}) != len(result):
        problems.append("A criterion is listed twice.")
    if len(result) > MAX_CRITERIA:
        problems.append(f"At most {MAX_CRITERIA} criteria.")
    return result, problems


def _unused_key(key: str, taken: set[str]) -> str:
    # A removed criterion's key is not reused: its old scores would read as the new one's.
    candidate, n = key, 2
    while candidate in taken:
        candidate = f"{key}_{n}"
        n += 1
    return candidate


def retention_cutoff(now: datetime, days: int | None) -> datetime | None:
    """Recordings made before this instant are past retention; None: kept forever."""
    if days is None:
        return None
    return now - timedelta(days=days)


def retention_days_problem(value: int | None) -> str | None:
    if value is None:
        return None
    if not 1 <= value <= MAX_RETENTION_DAYS:
        return f"choose from 1 to {MAX_RETENTION_DAYS} days, or keep recordings forever"
    return None
