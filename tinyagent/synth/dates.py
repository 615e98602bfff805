"""Spoken dates and times ("tmrw 3", "next Tue at noon", "the 14th", "in 2 hours") with their meaning.

A `When` is a small spec: a day form, a clock form and the true hour/minute. `say(w)` renders what the
user types; `resolve(w, ref)` gives the absolute datetime relative to the record's reference time.
Rules (fixed, so gold plans are unambiguous):
- a bare hour ("at 3", "tmrw 3") means 8-11 in the morning, 12 noon, 1-7 in the afternoon/evening;
- "Friday" / "on Fri" is the next Friday strictly after today; "next Fri" / "next week on Friday" is
  the Friday of the next calendar week (weeks start on Monday);
- "the 14th" is the next 14th strictly after today; "June 3" is the next June 3 after today;
- a time with no day ("at 3pm") is today if still ahead, otherwise tomorrow;
- "in 2 hours" / "in 45 min" count from the reference time (seconds dropped).

Example:
    >>> from datetime import datetime
    >>> ref = datetime(2024, 5, 27, 9, 0)  # a Monday
    >>> w = When("tomorrow", hour=15, clock="bare", style=5)
    >>> say(w), resolve(w, ref)
    ('tmrw 3', datetime.datetime(2024, 5, 28, 15, 0))
"""
from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WD_SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_WD_ALT = ("mon", "tues", "weds", "thurs", "fri", "sat", "sun")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")
DAY_KINDS = ("today", "tomorrow", "day_after", "weekday", "next_weekday", "ordinal", "month_day",
             "in_days", "in_hours", "in_minutes", "none")
CLOCKS = ("12h", "12h_space", "24h", "bare", "oclock")
_DAY_WORDS = {"today": ("today", "later today", "today"), "tomorrow": ("tomorrow", "tmrw", "tmr", "tomorrow"),
              "day_after": ("the day after tomorrow", "day after tmrw", "the day after tomorrow")}
_HOURS = (8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18)
_MINUTES = (0, 0, 0, 15, 30, 30, 45)


@dataclass(frozen=True)
class When:
    """A spoken time. `n`: weekday (0 = Monday), day of month, or a count, depending on `day`."""

    day: str  # one of DAY_KINDS
    n: int = 0
    month: int = 0  # 1-12, for day == "month_day"
    hour: int = 9  # true 24-hour hour; -1 = no time of day (all-day)
    minute: int = 0
    clock: str = "12h"  # one of CLOCKS: 3pm / 3 pm / 15:00 / 3 / 3 o'clock
    style: int = 0  # spelling variant of the day (style % 4) and word order (style // 4 % 3)

    def __post_init__(self) -> None:
        if self.day not in DAY_KINDS or self.clock not in CLOCKS:
            raise ValueError(f"When: day {self.day!r} must be in {DAY_KINDS}, clock {self.clock!r} in {CLOCKS}")
        if self.clock in ("bare", "oclock") and not 8 <= self.hour <= 19:
            raise ValueError(f"When: a bare hour is read as 8am-7pm, so hour {self.hour} cannot be said bare")
        if self.clock == "oclock" and self.minute:
            raise ValueError("When: 'o'clock' needs minute 0")


def clock_text(hour: int, minute: int, clock: str = "12h") -> str:
    """A time of day in one of CLOCKS.

    >>> [clock_text(15, 30, c) for c in ("12h", "12h_space", "24h", "bare")]
    ['3:30pm', '3:30 pm', '15:30', '3:30']
    >>> clock_text(12, 0), clock_text(9, 0, "oclock")
    ('noon', "9 o'clock")
    """
    h12 = hour % 12 or 12
    mm = f":{minute:02d}" if minute else ""
    if clock == "24h":
        return f"{hour:02d}:{minute:02d}"
    if clock in ("bare", "oclock"):
        return f"{h12} o'clock" if clock == "oclock" else f"{h12}{mm}"
    if (hour, minute) == (12, 0):
        return "noon"
    suffix = "am" if hour < 12 else "pm"
    return f"{h12}{mm}{' ' if clock == '12h_space' else ''}{suffix}"


def _day_text(w: When) -> str:
    if w.day in _DAY_WORDS:
        forms = _DAY_WORDS[w.day]
        return forms[w.style % len(forms)]
    if w.day == "weekday":
        return (f"on {WEEKDAYS[w.n]}", _WD_SHORT[w.n], f"on {_WD_ALT[w.n]}", WEEKDAYS[w.n])[w.style % 4]
    if w.day == "next_weekday":
        return (f"next week on {WEEKDAYS[w.n]}", f"next {_WD_SHORT[w.n]}", f"next {WEEKDAYS[w.n]}")[w.style % 3]
    if w.day == "ordinal":
        return ("the {}", "on the {}")[w.style % 2].format(ordinal(w.n))
    if w.day == "month_day":
        m = _MONTHS[w.month - 1]
        return (f"on {m} {w.n}", f"{m[:3]} {ordinal(w.n)}", f"{w.n} {m}", f"{m} {w.n}")[w.style % 4]
    if w.day == "in_days":
        return f"in {w.n} days"
    return ""


def ordinal(n: int) -> str:
    """1 -> '1st', 12 -> '12th', 22 -> '22nd'.

    >>> [ordinal(i) for i in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '23rd']
    """
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def say(w: When) -> str:
    """What the user types for `w`."""
    if w.day == "in_hours":
        return ("in an hour" if w.n == 1 else f"in {w.n} hours", f"in {w.n} hr" if w.n == 1 else f"in {w.n} hrs")[
            w.style % 2]
    if w.day == "in_minutes":
        return (f"in {w.n} minutes", f"in {w.n} min", f"in {w.n} mins")[w.style % 3]
    day = _day_text(w)
    if w.hour < 0:
        return day
    t = clock_text(w.hour, w.minute, w.clock)
    if w.day == "none":
        return f"at {t}"
    order = (w.style // 4) % 3  # independent of the day's spelling (style % 2, 3 or 4)
    if order == 1 and w.day in ("today", "tomorrow", "weekday", "next_weekday", "day_after"):
        return f"{day} {t}" if w.clock != "oclock" else f"{day} at {t}"  # "tmrw 3", "Fri 3pm"
    if order == 2 and w.day in ("tomorrow", "weekday", "ordinal", "month_day"):
        return f"at {t} {day}"  # "at 3pm tomorrow"
    return f"{day} at {t}"


def resolve(w: When, ref: datetime) -> datetime:
    """The absolute datetime `w` means when said at `ref` (midnight when `w` has no time of day)."""
    base = ref.replace(second=0, microsecond=0)
    if w.day == "in_hours":
        return base + timedelta(hours=w.n)
    if w.day == "in_minutes":
        return base + timedelta(minutes=w.n)
    hour, minute = (0, 0) if w.hour < 0 else (w.hour, w.minute)
    d = _resolve_day(w, ref)
    at = datetime.combine(d, datetime.min.time()).replace(hour=hour, minute=minute)
    if w.day == "none" and at <= ref:
        at += timedelta(days=1)
    return at


def _resolve_day(w: When, ref: datetime) -> date:
    today = ref.date()
    offsets = {"today": 0, "none": 0, "tomorrow": 1, "day_after": 2, "in_days": w.n}
    if w.day in offsets:
        return today + timedelta(days=offsets[w.day])
    if w.day == "weekday":
        return today + timedelta(days=(w.n - ref.weekday()) % 7 or 7)
    if w.day == "next_weekday":
        return today + timedelta(days=7 - ref.weekday() + w.n)
    if w.day == "ordinal":
        year, month = today.year, today.month
        if w.n <= today.day:
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return date(year, month, w.n)
    if w.day == "month_day":
        d = date(today.year, w.month, w.n)
        return d if d > today else date(today.year + 1, w.month, w.n)
    raise ValueError(f"When: cannot resolve day {w.day!r}")


def sample(rng: random.Random, ref: datetime, all_day: bool = False) -> When:
    """A random future `When` (strictly after `ref`); `all_day` gives a day with no time."""
    kinds = ("tomorrow", "tomorrow", "day_after", "weekday", "weekday", "next_weekday", "ordinal", "month_day",
             "in_days", "today", "none", "in_hours", "in_minutes")
    kind = rng.choice(kinds[:9] if all_day else kinds)
    style = rng.randrange(12)
    if kind == "in_hours":
        return When(kind, n=rng.randint(1, 5), style=style)
    if kind == "in_minutes":
        return When(kind, n=rng.choice((10, 15, 20, 30, 45, 90)), style=style)
    n, month = 0, 0
    if kind in ("weekday", "next_weekday"):
        n = rng.randrange(7)
    elif kind == "ordinal":
        n = rng.randint(1, 28)
    elif kind == "in_days":
        n = rng.randint(3, 10)
    elif kind == "month_day":
        d = ref.date() + timedelta(days=rng.randrange(3, 40))
        n, month = d.day, d.month
    if all_day:
        return When(kind, n=n, month=month, hour=-1, style=style)
    hour, minute = rng.choice(_HOURS), rng.choice(_MINUTES)
    clock = rng.choice(("12h", "12h", "12h", "12h_space", "24h", "bare", "oclock"))
    if clock == "oclock" and minute:
        clock = "bare"
    w = When(kind, n=n, month=month, hour=hour, minute=minute, clock=clock, style=style)
    if kind == "today" and resolve(w, ref) <= ref:
        w = replace(w, day="tomorrow")
    return w


def corrected(rng: random.Random, w: When) -> str | None:
    """A self-corrected phrase for `w` ("tomorrow at 3pm, no, 4pm"), or None when `w` has no clock time.

    The wrong time comes first and the true one last, so the phrase still means `w`.
    """
    if w.hour < 0 or w.day in ("in_hours", "in_minutes"):
        return None
    wrong_hour = w.hour + rng.choice((-1, 1, 2))
    if not 8 <= wrong_hour <= 19:
        wrong_hour = w.hour - 2
    wrong = replace(w, hour=wrong_hour, clock="12h" if w.clock in ("bare", "oclock") else w.clock)
    fix = rng.choice((", no, ", ", sorry, ", " - no wait, ", ", actually "))
    return say(wrong) + fix + clock_text(w.hour, w.minute, "12h")


def date_phrase(rng: random.Random, ref: datetime, all_day: bool = False) -> tuple[str, datetime]:
    """A random future time as (what the user says, the datetime it means).

    >>> import random
    >>> ref = datetime(2024, 5, 27, 9, 0)
    >>> all(date_phrase(random.Random(i), ref)[1] > ref for i in range(200))
    True
    """
    w = sample(rng, ref, all_day)
    return say(w), resolve(w, ref)
