from __future__ import annotations

import datetime as dt

import pytest

from actors.messages import SessionCalendar

NY = dt.timezone(dt.timedelta(hours=-5))  # New York in winter (EST)


def _ts(year: int, month: int, day: int, hour: int, minute: int = 0) -> float:
    return dt.datetime(year, month, day, hour, minute, tzinfo=NY).timestamp()


def test_session_turns_over_at_the_close() -> None:
    calendar = SessionCalendar()
    assert calendar.session_date(_ts(2026, 11, 23, 15, 59)) == dt.date(2026, 11, 23)
    assert calendar.session_date(_ts(2026, 11, 23, 16, 0)) == dt.date(2026, 11, 24)
    assert calendar.session_close(_ts(2026, 11, 23, 9, 30)) == _ts(2026, 11, 23, 16)


def test_weekdays_only_skips_the_weekend() -> None:
    calendar = SessionCalendar(weekdays_only=True)
    friday_evening = _ts(2026, 11, 27, 17)
    assert calendar.session_date(friday_evening) == dt.date(2026, 11, 30)
    assert calendar.session_close(friday_evening) == _ts(2026, 11, 30, 16)


def test_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="Mars/Olympus"):
        SessionCalendar(timezone="Mars/Olympus")
