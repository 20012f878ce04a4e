"""Times as the service keeps them: FHIR instants out, sortable UTC text and epoch seconds in."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

_SORTABLE = "%Y-%m-%dT%H:%M:%S.%fZ"


def now() -> float:
    """Seconds since the epoch (what the outbox compares)."""
    return time.time()


def today() -> date:
    """Today's date where the service's users are (Europe/Amsterdam; Brussels keeps the same
    time), from :func:`now`, so a test that fixes ``now`` fixes today too."""
    return datetime.fromtimestamp(now(), ZoneInfo("Europe/Amsterdam")).date()


def instant(moment: float) -> str:
    """A FHIR instant with milliseconds in UTC: ``2026-12-02T01:03:54.123Z``."""
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def sortable(value: datetime) -> str:
    """``value`` in UTC as fixed-width text, so text order is time order (a naive time is UTC)."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime(_SORTABLE)


def parse_fhir_datetime(value: str) -> datetime | None:
    """A FHIR date or dateTime (``2026``, ``2026-11``, ``2026-11-10``, with a time) as the start
    of the period it names; None when it is none of these."""
    text = value.strip()
    if not text.isascii():
        return None  # int() and fromisoformat read other scripts' digits; FHIR dates are ASCII
    try:
        if len(text) == 4 and text.isdigit():
            return datetime(int(text), 1, 1, tzinfo=UTC)
        if len(text) == 7 and text[4] == "-":
            return datetime(int(text[:4]), int(text[5:]), 1, tzinfo=UTC)
        parsed = datetime.fromisoformat(text)
        aware = parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
        aware.astimezone(UTC)  # 0001-01-01T00:00+14:00 has no UTC time: no date we can keep
    except (ValueError, OverflowError):
        return None
    return aware
