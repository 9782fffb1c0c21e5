"""Pure rules of the follow-ups and outcomes: when a follow-up is due, what an order line's facts say.

Plain values in, plain values out (no database): the services, the job and the simulation in
``bench/outcomes.py`` all ask this module.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from catalogue.matching.learning import Evidence
from orders.returns.policy import FIT_REASONS, SHOP_FAULT_REASONS

# A follow-up not sent within this many days of its due date is skipped (the job was down, or the
# schedule changed): a question about "two weeks in" asked two months in is a different question.
LATEST_AFTER_DUE_DAYS = 14

NONE, SUCCESS, FAILURE, FIT_RETURN, DEFECT = "none", "success", "failure", "fit_return", "defect"


def parse_days(value: str) -> tuple[int, ...]:
    """Return the follow-up days of ``SHOP_FOLLOWUP_DAYS`` ("14,56"), sorted, each once."""
    days = sorted({int(part) for part in str(value).split(",") if part.strip()})
    if not days or days[0] < 1:
        raise ValueError("SHOP_FOLLOWUP_DAYS needs one or more whole days from 1 up, e.g. '14,56'.")
    return tuple(days)


def followup_due(
    *, delivered_at: datetime, now: datetime, days: Sequence[int], sent: Sequence[int]
) -> int | None:
    """Return the follow-up day to send now for a line delivered at ``delivered_at``, or None.

    Due from ``delivered_at + d days`` (that instant included) until ``LATEST_AFTER_DUE_DAYS`` later
    (excluded). When two are due, only the later one is sent; one already sent (``sent``) is never sent
    again, nor is an earlier one once a later one went.
    """
    due = [d for d in days if delivered_at + timedelta(days=d) <= now]
    if not due:
        return None
    latest = due[-1]
    if any(d >= latest for d in sent):
        return None
    if now >= delivered_at + timedelta(days=latest + LATEST_AFTER_DUE_DAYS):
        return None
    return latest


@dataclass(frozen=True)
class Answer:
    """A follow-up's answers, as plain values."""

    final: bool  # the last follow-up of the schedule (eight weeks)
    comfort: int | None = None
    pain_before: dict | None = None
    pain_now: dict | None = None
    pain_better: bool | None = None
    still_wearing: bool | None = None
    problems: tuple[str, ...] = ()


def pain_better(*, pain_before: dict | None, pain_now: dict | None) -> bool | None:
    """Return whether the pain is better: the mean now below the mean before, on the areas answered both
    times; None when no area was."""
    areas = [area for area in (pain_before or {}) if area in (pain_now or {})]
    if not areas:
        return None
    before = sum(pain_before[area] for area in areas)
    now = sum(pain_now[area] for area in areas)
    return now < before


@dataclass(frozen=True)
class Outcome:
    kind: str
    reasons: tuple[str, ...] = ()


def line_outcome(*, returns: Sequence[tuple[str, str]], answers: Sequence[Answer]) -> Outcome:
    """Return what an order line's facts say, in this order of precedence.

    ``returns``: ``(kind, reason)`` of its requests still standing (not cancelled or rejected), oldest
    first; ``answers``: its answered follow-ups, oldest first.

    1. returned, replaced or exchanged for a fit reason: a fit return (the latest such reason);
    2. replaced or returned for a defect, damage or a wrong item: a defect, never counted against fit;
    3. any other return (a change of mind, the wrong size ordered): no evidence;
    4. the eight-week answer: kept with the pain better (or, with no pain reported, comfort 4 or 5) is a
       success; anything else a failure, with the fit reasons given;
    5. an earlier answer: stopped wearing it, or a fit reason given, is a failure; otherwise no evidence
       yet.
    """
    fit = [reason for _, reason in returns if reason in FIT_REASONS]
    if fit:
        return Outcome(FIT_RETURN, (fit[-1],))
    if any(reason in SHOP_FAULT_REASONS for _, reason in returns):
        return Outcome(DEFECT)
    if returns:
        return Outcome(NONE)
    final = [answer for answer in answers if answer.final]
    if final:
        answer = final[-1]
        problems = tuple(p for p in answer.problems if p in FIT_REASONS)
        better = answer.pain_better
        if better is None:
            better = answer.comfort is not None and answer.comfort >= 4 and not problems
        if answer.still_wearing and better:
            return Outcome(SUCCESS)
        return Outcome(FAILURE, problems)
    for answer in reversed(answers):
        problems = tuple(p for p in answer.problems if p in FIT_REASONS)
        if answer.still_wearing is False or problems:
            return Outcome(FAILURE, problems)
    return Outcome(NONE)


def contribution(outcome: Outcome) -> Evidence:
    """Return what one order line's outcome adds to its product's evidence for its segment."""
    reasons = {reason: 1 for reason in outcome.reasons}
    if outcome.kind == SUCCESS:
        return Evidence(trials=1, successes=1)
    if outcome.kind == FAILURE:
        return Evidence(trials=1, reasons=reasons)
    if outcome.kind == FIT_RETURN:
        return Evidence(trials=1, fit_returns=1, reasons=reasons)
    if outcome.kind == DEFECT:
        return Evidence(defects=1)
    return Evidence()
