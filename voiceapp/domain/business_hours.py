"""Is the team open? Business hours are local times in the team's zone, per weekday."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A span may close at the end of the day: "00:00"-"24:00" is the whole day. With 23:59 as
# the latest closing time, a team open around the clock was closed one minute a day.
END_OF_DAY = "24:00"


def _parse(hhmm: str) -> time:
    hours, minutes = hhmm.split(":")
    return time(int(hours), int(minutes))


def _before_closing(moment: time, closes: str) -> bool:
    return closes == END_OF_DAY or moment < _parse(closes)


def validate_business_hours(hours: dict) -> list[str]:
    """Problems with a business-hours setting, in words; empty when it is fine."""
    problems = []
    for day, spans in hours.items():
        if day not in WEEKDAYS:
            problems.append(f"unknown weekday {day!r}")
            continue
        for span in spans:
            try:
                if not isinstance(span, list | tuple) or len(span) != 2:
                    raise ValueError(span)
                if span[0] == END_OF_DAY:
                    problems.append(f"{day}: {END_OF_DAY} can only end a span")
                    continue
                opens = _parse(span[0])
                closes = None if span[1] == END_OF_DAY else _parse(span[1])
            except (ValueError, TypeError, AttributeError):
                problems.append(f"{day}: {span!r} is not a pair of HH:MM times")
                continue
            if closes is not None and opens >= closes:
                problems.append(f"{day}: {span[0]} must be before {span[1]}")
    return problems


def is_open(hours: dict, zone: str, now: datetime) -> bool:
    """True when `now` (aware) falls in one of the day's spans, local time, end exclusive
    ("24:00": to the end of the day)."""
    local = now.astimezone(ZoneInfo(zone))
    spans = hours.get(WEEKDAYS[local.weekday()], [])
    moment = local.time()
    return any(
        _parse(opens) <= moment and _before_closing(moment, closes) for opens, closes in spans
    )
