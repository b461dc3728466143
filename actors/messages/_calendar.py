"""The trading calendar: when one session ends and the next begins.

Daily figures (the portfolio's daily P&L, the daily-loss breaker) and DAY
orders (the paper venue expires them) all turn over at the same instant: the
session close, a local time of day in the exchange's time zone. Time is the
runtime clock's epoch seconds, so the calendar works the same in virtual time.

The synthetic market trades around the clock, so by default every day has a
session; ``weekdays_only`` skips Saturdays and Sundays for a stock calendar.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import msgspec

__all__ = ["SessionCalendar"]


class SessionCalendar(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    timezone: str = "America/New_York"
    close: dt.time = dt.time(16, 0)
    weekdays_only: bool = False

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ValueError, KeyError) as exc:
            raise ValueError(f"unknown time zone {self.timezone!r}") from exc

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def session_date(self, ts: float) -> dt.date:
        """The session ``ts`` belongs to, named by the date of its close."""
        local = dt.datetime.fromtimestamp(ts, self.zone)
        day = local.date()
        if local.time() >= self.close:
            day += dt.timedelta(days=1)
        while self.weekdays_only and day.weekday() >= 5:
            day += dt.timedelta(days=1)
        return day

    def session_close(self, ts: float) -> float:
        """Epoch seconds of the close ending the session that ``ts`` belongs to."""
        day = self.session_date(ts)
        return dt.datetime.combine(day, self.close, self.zone).timestamp()
