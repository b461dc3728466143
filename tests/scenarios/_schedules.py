"""Hypothesis strategies for fault schedules, and one simulated run per schedule."""

from __future__ import annotations

import os

import trio
import trio.testing
from hypothesis import strategies as st

from scenarios._faults import (
    ActorCrash,
    BrokerOutage,
    BrokerTimeout,
    DeadClient,
    DuplicateUpdates,
    Fault,
    FaultSchedule,
    FeedDisconnect,
    FeedStall,
    JournalWriteFailure,
    PriceShock,
    ReorderUpdates,
    SlowClient,
    StopPartial,
    StrategyCrash,
)
from scenarios._harness import open_simulation
from scenarios._report import Report
from scenarios._run import run_schedule

SOAK = os.environ.get("HYPOTHESIS_PROFILE", "fast") == "soak"
# Simulated seconds per example: a few minutes fast, a trading day when soaking.
DURATION = 6.5 * 3600 if SOAK else 240.0
EXAMPLES = 200 if SOAK else 8

STRATEGIES = ("momentum", "mean-reversion", "breakout", "pairs", "tradingview")
ACTORS = ("portfolio", "breakers", "risk", "broker-paper", "feed-synthetic", "hub", "http")
SYMBOLS = ("AAPL", "MSFT", "NVDA", "SPY", "QQQ", "MES")

at = st.integers(min_value=0, max_value=int(DURATION) - 30).map(float)
window = st.integers(min_value=1, max_value=120).map(float)

faults: st.SearchStrategy[Fault] = st.one_of(
    st.builds(
        BrokerTimeout,
        at=at,
        count=st.integers(1, 3),
        mode=st.sampled_from(("lost_ack", "timeout_before")),
    ),
    st.builds(BrokerOutage, at=at, duration=window),
    st.builds(DuplicateUpdates, at=at, duration=window),
    st.builds(ReorderUpdates, at=at, duration=window),
    st.builds(StopPartial, at=at, count=st.integers(1, 3)),
    st.builds(FeedDisconnect, at=at, duration=window),
    st.builds(FeedStall, at=at, duration=window),
    st.builds(StrategyCrash, at=at, strategy=st.sampled_from(STRATEGIES)),
    st.builds(ActorCrash, at=at, actor=st.sampled_from(ACTORS)),
    st.builds(JournalWriteFailure, at=at),
    st.builds(SlowClient, at=at),
    st.builds(DeadClient, at=at),
    st.builds(PriceShock, at=at, symbol=st.sampled_from(SYMBOLS)),
)
schedules = st.lists(faults, max_size=4).map(lambda fs: FaultSchedule(faults=tuple(fs)))
# Coarse on purpose: each shrink step is a whole simulation, so few values keep it short.
early = st.sampled_from((0.0, 20.0, 40.0))
submit_timeouts = st.lists(
    st.one_of(
        st.builds(BrokerTimeout, at=early, count=st.integers(1, 2)),
        st.builds(SlowClient, at=early),
    ),
    max_size=3,
).map(lambda fs: FaultSchedule(faults=tuple(fs)))


def simulate(
    seed: int,
    schedule: FaultSchedule,
    *,
    duration: float = DURATION,
    quiet: float = 90.0,
    resubmit: bool = False,
) -> Report:
    """One whole-daemon run in virtual time: alerts keep orders flowing, a client watches."""

    async def main() -> Report:
        async with open_simulation(seed, resubmit_on_timeout=resubmit) as sim:
            await sim.monitors.open_recording()
            sim.start_alerts(every=10.0)
            return await run_schedule(sim, schedule, duration, quiet=quiet)

    return trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))
