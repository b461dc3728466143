"""The breakers fed by operations: broker error rate, and the operator's manual one."""

from __future__ import annotations

from collections import deque
from decimal import Decimal

from actors.messages import BrokerRequestFailed

from ._config import BrokerErrorsConfig, ManualConfig
from ._level import Breaker, Change

__all__ = ["BrokerErrors", "Manual"]


class BrokerErrors(Breaker):
    """Failed broker requests, of any account, within the last ``window`` seconds.

    Each failure is judged when it arrives; :meth:`expire` lets the window
    slide with time alone, so a warning clears when failures stop.
    """

    kind = "broker_errors"

    def __init__(self, config: BrokerErrorsConfig) -> None:
        super().__init__(config, config.threshold)
        self.window = config.window
        self._failures: deque[BrokerRequestFailed] = deque()

    def observe(self, failure: BrokerRequestFailed) -> Change | None:
        failures = self._failures
        if failures and failure.ts < failures[-1].ts:
            failure = BrokerRequestFailed(
                account=failure.account,
                operation=failure.operation,
                error=failure.error,
                ts=failures[-1].ts,
            )
        failures.append(failure)
        return self.expire(failure.ts)

    def expire(self, now: float) -> Change | None:
        """Drop failures older than the window and judge what is left."""
        failures = self._failures
        while failures and failures[0].ts <= now - self.window:
            failures.popleft()
        count = len(failures)
        # Asked at every portfolio update: the change is worded only when there is one.
        new = self._step(Decimal(count), self.threshold)
        if new is None:
            return None
        last = failures[-1] if failures else None
        accounts = sorted({f.account for f in failures})
        return self._change(
            new,
            now,
            None,
            f"{count} failed broker requests within {self.window:g} s (limit {self.threshold})"
            + (f"; last {last.account} {last.operation}: {last.error}" if last else ""),
            {
                "failures": str(count),
                "threshold": str(self.threshold),
                "window": str(self.window),
                "accounts": ",".join(accounts),
            },
        )

    def _rebase(self, symbol: str | None) -> None:
        self._failures.clear()


class Manual(Breaker):
    """Tripped and reset by operators only (``TripBreaker``/``ResetBreaker``)."""

    kind = "manual"

    def __init__(self, config: ManualConfig) -> None:
        super().__init__(config, 1)
