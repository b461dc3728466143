"""The webhook's de-duplication window on trio's clock: remember, expire, forget."""

from __future__ import annotations

from actors.gateway._webhook import Deduper


def test_a_key_is_a_duplicate_for_the_window_then_new_again() -> None:
    deduper = Deduper(window=60.0)
    deduper.remember("AAPL|buy|t1", "tv-1", now=0.0)
    assert deduper.seen("AAPL|buy|t1", now=59.9) == "tv-1"
    assert deduper.seen("AAPL|buy|t1", now=60.0) is None


def test_a_forgotten_then_remembered_key_keeps_its_own_full_window() -> None:
    """A refused forward is forgotten; the resend that lands is remembered anew."""
    deduper = Deduper(window=60.0)
    deduper.remember("k", "tv-1", now=0.0)
    deduper.forget("k")
    assert deduper.seen("k", now=1.0) is None
    deduper.remember("k", "tv-1", now=5.0)
    assert deduper.seen("k", now=60.5) == "tv-1"  # the first entry's expiry does not drop it
    assert deduper.seen("k", now=65.0) is None
