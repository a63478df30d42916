"""The Today cards: days since the last use, milestones, this week against last, the next questionnaire.

Pure functions of the person's records, their time zone and the moment of the
request (issue 14, point 2). Days are calendar days in the person's own zone:
a use at 23:30 local time belongs to that local day, whatever the date in UTC.
The milestones, their words and how often each questionnaire is offered come
from ``knowledge/today.toml``, in the current language (``present.i18n``), as
are the sentences around them.

A use after a run of days without one starts the count again; the page then
names the longest earlier run, because a lapse read as total failure makes a
full return to use more likely (relapse prevention's abstinence violation
effect, cited in the knowledge file). Nothing here judges: no "failed", no
"better" or "worse", only counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from itertools import pairwise
from typing import Any

from ketpath.core.instruments import get_instrument
from ketpath.core.records import Goal, Questionnaire, Record, Use
from ketpath.knowledge import languages
from ketpath.knowledge.languages import ENGLISH
from ketpath.knowledge.load import Milestones, MilestoneStep, today
from ketpath.present.format import day_month_year, weekday_day_month
from ketpath.present.i18n import _, current_language, ngettext
from ketpath.present.views import graded

# ---------------------------------------------------------------- counting days


def local_day(moment: datetime, zone: tzinfo) -> date:
    """The calendar day of ``moment`` in ``zone``."""
    return moment.astimezone(zone).date()


def use_days(records: Iterable[Record], *, zone: tzinfo, now: datetime) -> list[date]:
    """The local days with at least one use up to ``now``, oldest first, each once."""
    return sorted(
        {local_day(r.time, zone) for r in records if isinstance(r, Use) and r.time <= now}
    )


@dataclass(frozen=True)
class DayCount:
    """Days since the last use and the longest earlier run, both in calendar days.

    ``days`` is None when no use is logged; 0 when the last use was today. A
    run between two uses is the count the counter reached before the second
    one (a use on the 1st and the next on the 11th: a run of 10 days).
    """

    days: int | None
    longest_earlier: int

    @property
    def after_a_lapse(self) -> bool:
        """Whether an earlier run was longer than the current one."""
        return self.days is not None and self.longest_earlier > self.days


def day_count(records: Iterable[Record], *, zone: tzinfo, now: datetime) -> DayCount:
    days = use_days(records, zone=zone, now=now)
    if not days:
        return DayCount(days=None, longest_earlier=0)
    runs = [(later - earlier).days for earlier, later in pairwise(days)]
    return DayCount(
        days=(local_day(now, zone) - days[-1]).days, longest_earlier=max(runs, default=0)
    )


def milestone_reached(days: int, steps: Sequence[MilestoneStep]) -> MilestoneStep | None:
    """The highest milestone ``days`` has reached, if any."""
    reached = [step for step in steps if step.days <= days]
    return reached[-1] if reached else None


def next_milestone(days: int, steps: Sequence[MilestoneStep]) -> MilestoneStep | None:
    """The first milestone still ahead, if any."""
    return next((step for step in steps if step.days > days), None)


def latest_goal(records: Iterable[Record], *, now: datetime) -> Goal | None:
    goals = [r for r in records if isinstance(r, Goal) and r.time <= now]
    return max(goals, key=lambda goal: goal.time) if goals else None


# ---------------------------------------------------------------- this week against last


@dataclass(frozen=True)
class WeekCounts:
    use_days: int
    uses: int


def week_start(day: date) -> date:
    """The Monday of ``day``'s week (ISO 8601 weeks start on Monday)."""
    return day - timedelta(days=day.weekday())


def weeks(
    records: Iterable[Record], *, zone: tzinfo, now: datetime
) -> tuple[WeekCounts, WeekCounts]:
    """Use-days and uses in this local week so far, and in the whole week before it."""
    this_monday = week_start(local_day(now, zone))
    last_monday = this_monday - timedelta(days=7)
    this_week: list[date] = []
    last_week: list[date] = []
    for record in records:
        if not isinstance(record, Use) or record.time > now:
            continue
        day = local_day(record.time, zone)
        if day >= this_monday:
            this_week.append(day)
        elif day >= last_monday:
            last_week.append(day)
    return (
        WeekCounts(use_days=len(set(this_week)), uses=len(this_week)),
        WeekCounts(use_days=len(set(last_week)), uses=len(last_week)),
    )


# ---------------------------------------------------------------- the next questionnaire


@dataclass(frozen=True)
class Due:
    instrument_id: str
    on: date  # the local day it is due; never answered: today
    answered: bool


def questionnaires_due(
    records: Iterable[Record], *, zone: tzinfo, now: datetime, every_days: dict[str, int]
) -> list[Due]:
    """Each scheduled questionnaire's due day (its last answers plus its interval), soonest first."""
    latest: dict[str, datetime] = {}
    for record in records:
        if not isinstance(record, Questionnaire) or record.time > now:
            continue
        if record.instrument not in latest or record.time > latest[record.instrument]:
            latest[record.instrument] = record.time
    today_local = local_day(now, zone)
    due = []
    for instrument_id, interval in every_days.items():
        last = latest.get(instrument_id)
        if last is None:
            due.append(Due(instrument_id, on=today_local, answered=False))
        else:
            due.append(Due(instrument_id, local_day(last, zone) + timedelta(days=interval), True))
    return sorted(due, key=lambda item: item.on)  # stable: the knowledge file's order breaks ties


# ---------------------------------------------------------------- in words


def days_words(days: int) -> str:
    return ngettext("%(num)s day", "%(num)s days", days)


def counter_view(
    count: DayCount, goal: Goal | None, *, milestones: Milestones, today_local: date
) -> dict[str, Any]:
    """The day counter; with a goal, its progress, the milestones and the words after a lapse."""
    if count.days is None:
        headline = _("No use logged.")
    elif count.days == 0:
        headline = _("Your last use was today.")
    else:
        headline = ngettext(
            "%(num)s day since your last use.", "%(num)s days since your last use.", count.days
        )
    view: dict[str, Any] = {"days": count.days, "headline": headline, "goal": None}
    if goal is None:
        return view
    view["goal"] = goal_view(goal, today_local=today_local)
    if count.days is None:
        return view
    reached = milestone_reached(count.days, milestones.steps)
    ahead = next_milestone(count.days, milestones.steps)
    view["milestone"] = (
        {
            "days": reached.days,
            "text": _("%(days)s: %(text)s", days=days_words(reached.days), text=reached.text),
        }
        if reached
        else None
    )
    view["next_milestone"] = (
        {
            "days": ahead.days,
            "text": _(
                "Next milestone: %(days)s, in %(left)s.",
                days=days_words(ahead.days),
                left=days_words(ahead.days - count.days),
            ),
            "progress": count.days,
        }
        if ahead
        else None
    )
    if count.after_a_lapse:
        view["lapse"] = milestones.after_a_lapse.format(longest=days_words(count.longest_earlier))
    elif count.days == 0:
        view["lapse"] = milestones.used_today
    view["evidence"] = graded(milestones.grade, milestones.sources)
    return view


def goal_view(goal: Goal, *, today_local: date) -> dict[str, Any]:
    """The goal in words, and the days left to its date (if it has one).

    The goal's label is lower-cased mid-sentence in English only.
    """
    language = current_language()
    label = languages.vocabulary(language).label("goals", goal.goal)
    goal_words = label.lower() if language == ENGLISH else label
    view: dict[str, Any] = {"goal": goal.goal, "label": label, "until": None}
    if goal.until is None:
        view["text"] = _("Your goal: %(goal)s.", goal=goal_words)
        return view
    until = day_month_year(goal.until)
    left = (goal.until - today_local).days
    view["until"] = until
    if left > 0:
        view["text"] = ngettext(
            "Your goal: %(goal)s until %(until)s, %(num)s day from now.",
            "Your goal: %(goal)s until %(until)s, %(num)s days from now.",
            left,
            goal=goal_words,
            until=until,
        )
    elif left == 0:
        view["text"] = _(
            "Your goal: %(goal)s until %(until)s, which is today.", goal=goal_words, until=until
        )
    else:
        view["text"] = _(
            "Your goal was to %(goal)s until %(until)s. You can set a new goal on the Log page.",
            goal=goal_words,
            until=until,
        )
    return view


def week_view(this_week: WeekCounts, last_week: WeekCounts) -> dict[str, Any]:
    """This week against last, in counts only."""
    return {
        "use_days": ngettext(
            "%(num)s use-day this week, %(last)s last week.",
            "%(num)s use-days this week, %(last)s last week.",
            this_week.use_days,
            last=last_week.use_days,
        ),
        "uses": ngettext(
            "%(num)s use this week, %(last)s last week.",
            "%(num)s uses this week, %(last)s last week.",
            this_week.uses,
            last=last_week.uses,
        ),
        "this_week": this_week,
        "last_week": last_week,
    }


def questionnaire_due_view(due: Sequence[Due], *, today_local: date) -> dict[str, Any]:
    """The questionnaires due now (with links), else the next one and when."""
    schedule = today().questionnaire_schedule
    due_now = [
        {"id": item.instrument_id, "name": get_instrument(item.instrument_id).short_name}
        for item in due
        if item.on <= today_local
    ]
    view: dict[str, Any] = {
        "due_now": due_now,
        "next": None,
        **graded(schedule.grade, schedule.sources),
    }
    if not due_now and due:
        soonest = due[0]
        in_days = (soonest.on - today_local).days
        view["next"] = {
            "id": soonest.instrument_id,
            "name": get_instrument(soonest.instrument_id).short_name,
            "text": _(
                "due %(day)s (in %(days)s)",
                day=weekday_day_month(soonest.on),
                days=days_words(in_days),
            ),
        }
    return view


def today_view(records: Sequence[Record], *, zone: tzinfo, now: datetime) -> dict[str, Any]:
    """Everything the Today cards show, in the order they show it."""
    knowledge = languages.today(current_language())
    today_local = local_day(now, zone)
    this_week, last_week = weeks(records, zone=zone, now=now)
    due = questionnaires_due(
        records, zone=zone, now=now, every_days=knowledge.questionnaire_schedule.every_days
    )
    return {
        "counter": counter_view(
            day_count(records, zone=zone, now=now),
            latest_goal(records, now=now),
            milestones=knowledge.milestones,
            today_local=today_local,
        ),
        "week": week_view(this_week, last_week),
        "questionnaire": questionnaire_due_view(due, today_local=today_local),
    }
