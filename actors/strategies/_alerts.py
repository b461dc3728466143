"""The alert-driven strategy: its signals come from outside (a TradingView webhook).

Each :class:`ExternalAlert` addressed to it becomes one :class:`Signal`
field for field, its id derived from the alert's de-duplication key, so an
alert delivered twice is the same signal twice and risk can drop the copy.
It keeps its own position from its fills like any strategy, which is how it
tells an alert that shrinks its position (still sent when trading is not
ACTIVE) from one that adds risk (held back then). ``symbols`` empty means
any symbol; otherwise alerts for other symbols are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from actors.messages import Bar, ExternalAlert, Side, Signal, SignalAction, TradingState

from ._base import StrategyBase, StrategyParams

__all__ = ["AlertParams", "AlertStrategy"]


class AlertParams(StrategyParams, frozen=True, kw_only=True, forbid_unknown_fields=True):
    pass


class AlertStrategy(StrategyBase):
    kind: ClassVar[str] = "alerts"

    def __init__(
        self, name: str, symbols: Iterable[str] = (), params: AlertParams | None = None
    ) -> None:
        self.params = params or AlertParams()
        super().__init__(name, symbols, self.params)

    @property
    def uses_market_data(self) -> bool:
        return False

    def _observe(self, bar: Bar) -> bool:
        return False  # it has no indicators: bars neither warm nor move it

    def _decide(self, bar: Bar, now: float) -> list[Signal]:
        return []  # never asked: _observe has no reading to act on

    def on_alert(self, alert: ExternalAlert) -> Sequence[Signal]:
        if alert.strategy != self.name or not self.trades(alert.symbol):
            return ()
        if self.trading_state is not TradingState.ACTIVE and not self._reduces(alert):
            return ()
        return (
            self._signal(
                alert.symbol,
                alert.action,
                alert.ts,
                f"{alert.source} alert {alert.alert_id}",
                signal_id=f"{self.name}:{alert.alert_id}",
                quantity=alert.quantity,
                order_type=alert.order_type,
                limit_price=alert.limit_price,
                stop_price=alert.stop_price,
            ),
        )

    def _reduces(self, alert: ExternalAlert) -> bool:
        """An exit, or a trade against its own position no bigger than it."""
        if alert.action in (SignalAction.CLOSE, SignalAction.FLATTEN):
            return True
        side = Side.BUY if alert.action is SignalAction.BUY else Side.SELL
        position = self.position(alert.symbol)
        return position * side.sign < 0 and (
            alert.quantity is None or alert.quantity <= abs(position)
        )
