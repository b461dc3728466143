"""Hypothesis over the whole daemon: generated fault schedules keep every invariant.

Fast profile: a few examples of a few simulated minutes each; ``HYPOTHESIS_PROFILE=soak``
runs many more, each a simulated trading day. A failure prints the seed and the
schedule (JSON) for ``tradeloop scenario replay``.
"""

from __future__ import annotations

from hypothesis import find, given, settings
from hypothesis import strategies as st

from scenarios._faults import BrokerTimeout, FaultSchedule

from ._schedules import EXAMPLES, schedules, simulate, submit_timeouts


@settings(max_examples=EXAMPLES, database=None)
@given(seed=st.integers(0, 2**16), schedule=schedules)
def test_generated_fault_schedules_keep_the_invariants(seed: int, schedule: FaultSchedule) -> None:
    report = simulate(seed, schedule)
    assert report.ok, report.summary()


def test_the_baseline_trades_and_passes_every_check() -> None:
    report = simulate(3, FaultSchedule())
    assert report.ok, report.summary()
    assert int(report.facts["fills"]) > 0
    assert len(report.checks) == 7


def test_a_resubmitting_client_is_caught_and_shrunk_to_one_timeout() -> None:
    """A test-only client resubmits after a timeout: caught, and shrunk to one timeout."""

    def breaks(schedule: FaultSchedule) -> bool:
        return not simulate(1, schedule, duration=90.0, quiet=10.0, resubmit=True).ok

    minimal = find(
        submit_timeouts, breaks, settings=settings(max_examples=30, database=None, deadline=None)
    )
    assert len(minimal.faults) == 1
    (fault,) = minimal.faults
    assert isinstance(fault, BrokerTimeout)
    report = simulate(1, minimal, duration=90.0, quiet=10.0, resubmit=True)
    failed = [check.name for check in report.failures]
    assert failed == ["no client order id reaches the venue twice"]
    assert "tradeloop scenario replay --seed 1" in report.summary()
