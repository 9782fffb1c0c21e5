"""Production lead time in working days, as pure functions (plain values in, plain values out)."""

from datetime import date, datetime, timedelta, tzinfo

SATURDAY = 5  # date.weekday(): Monday 0 ... Sunday 6


def is_working_day(day: date) -> bool:
    """Return whether ``day`` is a working day (Monday to Friday; public holidays are not modelled)."""
    return day.weekday() < SATURDAY


def add_working_days(start: date, days: int) -> date:
    """Return the date ``days`` working days after ``start``; with 0 days, ``start`` or the next working day.

    Paid on a Friday with 3 days: Wednesday. Paid on a Saturday with 1 day: Monday.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    while not is_working_day(day) and days == 0:
        day += timedelta(days=1)
    added = 0
    while added < days:
        day += timedelta(days=1)
        if is_working_day(day):
            added += 1
    return day


def estimated_ship_date(*, starts_at: datetime, production_days: int, tz: tzinfo) -> date:
    """Return the day a pair whose production starts at ``starts_at`` should ship, in the shop's time zone."""
    if starts_at.tzinfo is None:
        raise ValueError("starts_at must be timezone-aware")
    return add_working_days(starts_at.astimezone(tz).date(), production_days)
