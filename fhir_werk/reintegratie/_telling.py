"""How the law counts: weeks from the first day of incapacity, calendar days, months, working days.

The one convention for weeks (Wet verbetering poortwachter, uwv.nl): the first day of incapacity is
day 1 of week 1, so week *n* runs from ``eerste + 7(n-1)`` to ``eerste + 7n - 1``. "Uiterlijk in week
*n*" is due on the last day of week *n*; "na *n* weken" (after *n* full weeks) is ``eerste + 7n``, the
first day of week *n + 1*. uwv.nl words both: "uiterlijk de eerste werkdag na de 42e ziekteweek"
(the 42nd-week notification) and the WIA application "voor het einde van week 93".

"Binnen *n* kalenderdagen na" an event does not count the day of the event (the count starts the
next day), so the deadline is the event + *n* days (Belgian codex, as mensura.be explains it).
"Binnen *n* maanden" ends on the same day number *n* months later, or on the last day of that month
when it has no such day (31 August + 6 months = 28 or 29 February).
"""

from __future__ import annotations

import calendar
import datetime as dt

__all__ = ["eerste_werkdag_vanaf", "na_weken", "plus_maanden", "week_begin", "week_einde"]


def week_begin(eerste: dt.date, week: int) -> dt.date:
    """The first day of week ``week`` when ``eerste`` is day 1 of week 1."""
    return eerste + dt.timedelta(days=7 * (week - 1))


def week_einde(eerste: dt.date, week: int) -> dt.date:
    """The last day of week ``week``: what "uiterlijk in week n" is due on.

    >>> week_einde(dt.date(2024, 1, 1), 6)
    datetime.date(2024, 2, 11)
    """
    return eerste + dt.timedelta(days=7 * week - 1)


def na_weken(eerste: dt.date, weken: int) -> dt.date:
    """The first day after ``weken`` full weeks of incapacity (the first day of the next week)."""
    return eerste + dt.timedelta(days=7 * weken)


def plus_maanden(dag: dt.date, maanden: int) -> dt.date:
    """The same day ``maanden`` months later, or the last day of that month when it is shorter.

    >>> plus_maanden(dt.date(2024, 8, 31), 6)
    datetime.date(2025, 2, 28)
    """
    index = dag.month - 1 + maanden
    jaar, maand = dag.year + index // 12, index % 12 + 1
    return dt.date(jaar, maand, min(dag.day, calendar.monthrange(jaar, maand)[1]))


def eerste_werkdag_vanaf(dag: dt.date) -> dt.date:
    """``dag`` itself on Monday to Friday, else the Monday after (public holidays are not counted)."""
    return dag + dt.timedelta(days=max(0, 7 - dag.weekday()) if dag.weekday() >= 5 else 0)
