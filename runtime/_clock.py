"""The runtime clock: trio's clock, mapped onto epoch seconds.

Every actor reads time from here and never from ``time.time()``: under
``trio.testing.MockClock`` a whole tree then runs in virtual time, a simulated
day passing in moments and every timeout firing at an exact virtual instant.
``origin`` is the epoch time that trio time "now" maps to when the clock is
made: the real wall time for a live daemon, a fixed instant for replays and
tests, so timestamps are reproducible from the seed.
"""

from __future__ import annotations

import time
from typing import final

import trio

__all__ = ["Clock"]


@final
class Clock:
    __slots__ = ("_now", "_offset")

    def __init__(self, origin: float | None = None) -> None:
        """Must be made inside ``trio.run``, and used in that run only.

        ``origin`` defaults to the wall time. The run's clock is read directly
        (what ``trio.current_time()`` reads through two more calls): actors
        and the paper venue ask the time at almost every message.
        """
        self._now = trio.lowlevel.current_clock().current_time
        start = self._now()
        self._offset = (time.time() if origin is None else origin) - start

    def monotonic(self) -> float:
        """trio's clock: for durations, deadlines and intervals."""
        return self._now()

    def time(self) -> float:
        """Seconds since the Unix epoch on this clock, for timestamps."""
        return self._now() + self._offset

    def to_monotonic(self, epoch_seconds: float) -> float:
        """The trio time at which this clock shows ``epoch_seconds``."""
        return epoch_seconds - self._offset

    async def sleep(self, seconds: float) -> None:
        await trio.sleep(seconds)

    async def sleep_until_time(self, epoch_seconds: float) -> None:
        """Sleep until this clock shows ``epoch_seconds`` (e.g. a session close)."""
        await trio.sleep_until(self.to_monotonic(epoch_seconds))
