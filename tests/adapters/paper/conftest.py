"""Every paper venue test runs in virtual time: latency and timeouts cost nothing."""

from __future__ import annotations

import pytest
import trio.testing


@pytest.fixture(autouse=True)
def virtual_time(autojump_clock: trio.testing.MockClock) -> trio.testing.MockClock:
    return autojump_clock
