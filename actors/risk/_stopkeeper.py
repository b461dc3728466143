"""Protective stops as real resting orders at the broker.

Every position of every strategy has one reduce-only GTC STOP order resting
at the broker, sized to the position. The keeper places it when a position
opens (at the level the entry was sized with), replaces it when the position
changes size or a trailing stop tightens (cancel, then a new order), cancels
it when the position is flat, and re-arms after a restart: for the first
``rearm_delay`` seconds it only listens, then adopts any open order it
learned of that sits on the far side of a position (the stop an earlier
incarnation placed) instead of placing a duplicate, and places the rest.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Final, final

from actors.messages import OrderStatus, OrderType, OrderUpdate, RiskLeg, Side, TimeInForce

from ._book import StopState
from ._stops import bound_distance, place_stop, trail

if TYPE_CHECKING:
    from ._desk import RiskDesk

__all__ = ["StopKeeper"]

ZERO: Final = Decimal(0)
Key = tuple[str, str]


@final
class StopKeeper:
    def __init__(self, desk: RiskDesk) -> None:
        self.desk = desk
        self.config = desk.config
        self.book = desk.book
        self.armed = False
        self.planned: dict[Key, Decimal] = {}  # the stop an entry was sized with
        self._serial = 0

    # -- where ---------------------------------------------------------------------

    def default_distance(self, symbol: str, price: Decimal) -> Decimal:
        """The configured stop distance at ``price``: fixed/trailing %, or ATR × multiple."""
        config = self.config
        distance = config.stop_pct * price
        atr = self.book.atr.get(symbol)
        if config.stop_mode == "atr" and atr is not None and atr.value is not None:
            distance = atr.value * config.atr_multiple
        return bound_distance(distance, price, config.min_stop_distance, config.max_stop_distance)

    def plan(
        self, symbol: str, price: Decimal, *, long: bool, suggested: Decimal | None = None
    ) -> Decimal:
        """The stop for an entry at ``price``: the suggested one if on the losing side, bounded."""
        config = self.config
        distance = self.default_distance(symbol, price)
        if suggested is not None and (suggested < price if long else suggested > price):
            distance = bound_distance(
                abs(price - suggested), price, config.min_stop_distance, config.max_stop_distance
            )
        return place_stop(
            price, long=long, distance=distance, instrument=self.desk.instruments[symbol]
        )

    # -- keeping -------------------------------------------------------------------

    async def sync(self, key: Key) -> None:
        """Bring the position's resting stop in line with its quantity and direction."""
        if not self.armed:
            return
        symbol = key[1]
        quantity = self.book.positions.get(key, ZERO)
        stop = self.book.stops.get(key)
        if quantity == 0:
            self.planned.pop(key, None)
            if stop is not None:
                await self._retire(key, stop)
            return
        long = quantity > 0
        if (
            stop is not None
            and not stop.failed
            and stop.long == long
            and stop.quantity == abs(quantity)
        ):
            return
        level = None
        if stop is not None:
            await self._retire(key, stop)
            if stop.long == long:
                level = stop.level
        if level is None:
            level = self.planned.pop(key, None)
        price = self.book.price(symbol)
        if level is None or (level >= price if long and price else False):
            if price is None:
                return
            level = self.plan(symbol, price, long=long)
        await self._place(key, long, abs(quantity), level, "stop placed")

    async def _retire(self, key: Key, stop: StopState) -> None:
        """Forget the stop and cancel its order (a still unnamed one is cancelled when named)."""
        del self.book.stops[key]
        if stop.order_id is not None:
            await self.desk.cancel(stop.order_id)

    async def _place(
        self, key: Key, long: bool, quantity: Decimal, level: Decimal, why: str
    ) -> None:
        strategy, symbol = key
        self._serial += 1
        side = Side.SELL if long else Side.BUY
        self.book.stops[key] = StopState(
            long=long, quantity=quantity, level=level, serial=self._serial
        )
        sent = await self.desk.send(
            strategy,
            symbol,
            side,
            quantity,
            kind="stop",
            order_type=OrderType.STOP,
            stop_price=level,
            time_in_force=TimeInForce.GTC,
            serial=self._serial,
        )
        if not sent:
            self.book.stops[key].failed = True
            return
        leg = RiskLeg(
            strategy=strategy,
            side=side,
            quantity=quantity,
            purpose="stop",
            reduce_only=True,
            price=level,
        )
        await self.desk.decide(
            self.desk.next_id("stop"), strategy, symbol, [leg], f"{why} at {level}"
        )

    async def on_order_update(self, update: OrderUpdate) -> None:
        tracked = self.book.apply_order_update(update)
        if tracked is None:
            return
        order, intent = tracked
        if order.kind != "stop":
            return
        key = (order.strategy, order.symbol)
        stop = self.book.stops.get(key)
        current = stop is not None and stop.serial == order.serial
        if intent is not None and not current:
            if not update.status.is_terminal:  # replaced before the broker named it
                await self.desk.cancel(update.client_order_id)
            return
        if stop is None or not current:
            return
        stop.order_id = update.client_order_id
        if update.status is OrderStatus.REJECTED:
            stop.failed = True
            self.desk.ctx.log.warning(
                "risk_stop_rejected", strategy=key[0], symbol=key[1], reason=update.reason
            )
        elif update.status in (OrderStatus.CANCELED, OrderStatus.EXPIRED):
            del self.book.stops[key]  # cancelled by someone else: put it back
            await self.sync(key)
        elif update.status is OrderStatus.FILLED:
            del self.book.stops[key]

    async def arm(self) -> None:
        """After the start-up grace: adopt the stops already resting, place the missing ones."""
        self.armed = True
        for order in self.book.orders.values():
            key = (order.strategy, order.symbol)
            quantity = self.book.positions.get(key, ZERO)
            if order.kind != "unknown" or key in self.book.stops or quantity * order.side.sign >= 0:
                continue
            price = self.book.price(order.symbol) or ZERO
            self._serial += 1
            order.kind, order.serial = "stop", self._serial
            level = self.plan(order.symbol, price, long=quantity > 0) if price else ZERO
            self.book.stops[key] = StopState(
                long=quantity > 0,
                quantity=order.remaining,
                level=level,
                serial=self._serial,
                order_id=order.client_order_id,
            )
            self.desk.ctx.log.info(
                "risk_stop_adopted", strategy=key[0], symbol=key[1], order=order.client_order_id
            )
        for key in sorted(self.book.positions):
            await self.sync(key)

    async def trail(self, symbol: str) -> None:
        """Tighten trailing stops on a new price; replace only moves worth a step."""
        if self.config.stop_mode != "trailing" or not self.armed:
            return
        price = self.book.price(symbol)
        instrument = self.desk.instruments.get(symbol)
        if price is None or instrument is None:
            return
        step = max(instrument.tick_size, self.config.trail_min_step * price)
        for key, stop in list(self.book.stops.items()):
            if key[1] != symbol or stop.order_id is None or stop.failed:
                continue
            distance = self.default_distance(symbol, price)
            level = trail(
                stop.level, price, long=stop.long, distance=distance, instrument=instrument
            )
            if abs(level - stop.level) < step:
                continue
            await self._retire(key, stop)
            await self._place(key, stop.long, stop.quantity, level, "stop trailed")
