"""Is the team open? Business hours are local times in the team's zone, per weekday."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _parse(hhmm: str) -> time:
    hours, minutes = hhmm.split(":")
    return time(int(hours), int(minutes))


def validate_business_hours(hours: dict) -> list[str]:
    """Problems with a business-hours setting, in words; empty when it is fine."""
    problems = []
    for day, spans in hours.items():
        if day not in WEEKDAYS:
            problems.append(f"unknown weekday {day!r}")
            continue
        for span in spans:
            try:
                opens, closes = (_parse(t) for t in span)
            except (ValueError, TypeError):
                problems.append(f"{day}: {span!r} is not a pair of HH:MM times")
                continue
            if opens >= closes:
                problems.append(f"{day}: {span[0]} must be before {span[1]}")
    return problems


def is_open(hours: dict, zone: str, now: datetime) -> bool:
    """True when `now` (aware) falls in one of the day's spans, local time, end exclusive."""
    local = now.astimezone(ZoneInfo(zone))
    spans = hours.get(WEEKDAYS[local.weekday()], [])
    moment = local.time()
    return any(_parse(opens) <= moment < _parse(closes) for opens, closes in spans)
