"""Risk's decisions: sizing, conflicts, limits and the orders that follow.

The desk is what the risk actor does with each message, one at a time. It
owns the :class:`RiskBook`, the trading state, the paused strategies, the
weights and the throttle, and it is the only place orders are built.
Protective stops are kept by :class:`StopKeeper` (``_stopkeeper``).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Final, final

from actors.messages import (
    BreakerState,
    BreakerStatus,
    CancelOrder,
    Instrument,
    InstrumentKind,
    Order,
    OrderType,
    OrderUpdate,
    RiskDecision,
    RiskLeg,
    RiskRejected,
    Side,
    Signal,
    SignalAction,
    StrategiesStatus,
    StrategyView,
    SubmitManualOrder,
    TimeInForce,
    TradingState,
    TradingStateChanged,
)
from runtime import ActorContext
from runtime.errors import ActorUnavailable

from ._book import Intent, RiskBook
from ._config import RiskConfig
from ._conflicts import resolve
from ._limits import (
    Refusal,
    Throttle,
    check_paused,
)
from ._pretrade import check_entry, clip_to_cap, size
from ._rebalance import rebalance
from ._stopkeeper import StopKeeper

__all__ = ["RiskDesk"]

ZERO: Final = Decimal(0)
DECIDED_MEMORY: Final = 100_000  # signal ids remembered, so a repeat is refused


@final
class RiskDesk:
    def __init__(
        self,
        ctx: ActorContext,
        instruments: Mapping[str, Instrument],
        config: RiskConfig,
        *,
        account: str,
        broker: str,
    ) -> None:
        self.ctx = ctx
        self.config = config
        self.account = account
        self.instruments = instruments
        self.book = RiskBook(account, instruments, config.trade_window, config.atr_period)
        self.state = TradingState.ACTIVE
        self.decided: dict[str, None] = {}  # recent signal ids, oldest first
        # symbol -> the per-symbol breakers tripped on it (no new entries there)
        self.halted: dict[str, set[str]] = {}
        self.paused: set[str] = set()
        self.weights = {name: a.weight for name, a in config.strategies.items()}
        self.seen: set[str] = set(config.strategies)
        self.throttle = Throttle(config.throttle_orders, config.throttle_period)
        self.broker = ctx.ref(broker)
        self.stops = StopKeeper(self)
        self._sequence = 0

    # -- plumbing ----------------------------------------------------------------

    def next_id(self, prefix: str) -> str:
        self._sequence += 1
        return f"{prefix}-{self.ctx.incarnation}-{self._sequence}"

    async def send(
        self,
        strategy: str,
        symbol: str,
        side: Side,
        quantity: Decimal,
        *,
        kind: str,
        order_type: OrderType = OrderType.MARKET,
        limit_price: Decimal | None = None,
        stop_price: Decimal | None = None,
        time_in_force: TimeInForce = TimeInForce.DAY,
        serial: int = 0,
    ) -> bool:
        """Tell the broker an order (id left for it to assign); False if it is gone."""
        order = Order(
            client_order_id="",
            account=self.account,
            symbol=symbol,
            side=side,
            quantity=quantity,
            order_type=order_type,
            limit_price=limit_price,
            stop_price=stop_price,
            time_in_force=time_in_force,
            reduce_only=kind != "entry",
            strategy=strategy,
            ts=self.ctx.clock.time(),
            intent_id=self.next_id(f"risk:{kind}"),
        )
        intent = Intent(
            strategy=strategy,
            symbol=symbol,
            side=side,
            quantity=quantity,
            kind=kind,
            serial=serial,
            intent_id=order.intent_id,
        )
        try:
            await self.broker.tell(order)
        except ActorUnavailable as error:
            self.ctx.log.error("risk_broker_unavailable", error=str(error), symbol=symbol)
            return False
        self.book.expect(intent)
        return True

    async def cancel(self, client_order_id: str) -> None:
        try:
            await self.broker.tell(
                CancelOrder(client_order_id=client_order_id, account=self.account)
            )
        except ActorUnavailable as error:
            self.ctx.log.error("risk_broker_unavailable", error=str(error), cancel=client_order_id)

    async def reject(self, signal_id: str, strategy: str, symbol: str, refusal: Refusal) -> None:
        rejected = RiskRejected(
            signal_id=signal_id,
            strategy=strategy,
            symbol=symbol,
            check=refusal.check,
            reason=refusal.reason,
            ts=self.ctx.clock.time(),
        )
        self.ctx.log.info(
            "risk_rejected", **{f: getattr(rejected, f) for f in rejected.__struct_fields__}
        )
        await self.ctx.publish(rejected)

    async def decide(
        self, signal_id: str, strategy: str, symbol: str, legs: list[RiskLeg], reason: str
    ) -> None:
        # Only wishes acted on are remembered: a refused one may come again.
        self.decided[signal_id] = None
        if len(self.decided) > DECIDED_MEMORY:
            del self.decided[next(iter(self.decided))]
        decision = RiskDecision(
            signal_id=signal_id,
            strategy=strategy,
            symbol=symbol,
            legs=tuple(legs),
            reason=reason,
            ts=self.ctx.clock.time(),
            policy=self.config.conflict_policy,
        )
        self.ctx.log.info(
            "risk_decision",
            signal_id=signal_id,
            strategy=strategy,
            symbol=symbol,
            reason=reason,
            legs=[f"{leg.purpose}:{leg.strategy}:{leg.side}:{leg.quantity}" for leg in legs],
        )
        await self.ctx.publish(decision)

    # -- state -------------------------------------------------------------------

    def set_state(self, changed: TradingStateChanged) -> None:
        self.ctx.log.info("risk_trading_state", state=changed.state, tripped=changed.tripped)
        self.state = changed.state

    def apply_breaker(self, name: str, symbol: str | None, state: BreakerState) -> None:
        """Track per-symbol trips: a tripped one halts new entries in its symbol."""
        if symbol is None:
            return
        names = self.halted.setdefault(symbol, set())
        if state is BreakerState.TRIPPED:
            if name not in names:
                self.ctx.log.info("risk_symbol_halted", symbol=symbol, breaker=name)
            names.add(name)
        else:
            names.discard(name)
        if not names:
            del self.halted[symbol]

    def apply_breaker_status(self, status: BreakerStatus) -> None:
        """The breakers' whole state (asked at start: trips latched before a restart)."""
        self.state = status.state
        self.halted.clear()
        for view in status.breakers:
            self.apply_breaker(view.name, view.symbol, view.state)

    def set_paused(self, strategy: str, paused: bool) -> None:
        self.ctx.log.info(
            "risk_strategy_paused" if paused else "risk_strategy_resumed", strategy=strategy
        )
        self.seen.add(strategy)
        if paused:
            self.paused.add(strategy)
        else:
            self.paused.discard(strategy)

    def weight(self, strategy: str) -> Decimal:
        found = self.weights.get(strategy)
        return found if found is not None else self.config.allocation(strategy).weight

    def capital(self, strategy: str) -> Decimal:
        return (self.book.equity or ZERO) * self.weight(strategy)

    def strategies(self) -> StrategiesStatus:
        views = []
        for name in sorted(self.seen | {s for s, _ in self.book.positions}):
            allocation = self.config.allocation(name)
            views.append(
                StrategyView(
                    name=name,
                    kind=allocation.kind,
                    symbols=allocation.symbols,
                    paused=name in self.paused,
                    weight=str(self.weight(name)),
                    capital=str(self.capital(name)),
                )
            )
        return StrategiesStatus(strategies=tuple(views), ts=self.ctx.clock.time())

    def margin_rate(self, instrument: Instrument) -> Decimal:
        if instrument.kind is InstrumentKind.FUTURE:
            return self.config.future_margin_rate
        return Decimal(1)

    # -- signals -----------------------------------------------------------------

    async def on_signal(self, signal: Signal) -> None:
        self.seen.add(signal.strategy)
        if signal.signal_id in self.decided:
            # A wish already decided (a webhook retry past the gateway's window, a
            # strategy re-warmed after a restart): never a second order.
            await self.reject(
                signal.signal_id,
                signal.strategy,
                signal.symbol,
                Refusal("duplicate", f"signal {signal.signal_id!r} was already acted on"),
            )
            return
        refusal = invalid_terms(signal.quantity, signal.limit_price, signal.stop_price)
        if refusal is not None:
            await self.reject(signal.signal_id, signal.strategy, signal.symbol, refusal)
            return
        if signal.action in (SignalAction.CLOSE, SignalAction.FLATTEN):
            await self._exit(signal)
            return
        side = Side.BUY if signal.action is SignalAction.BUY else Side.SELL
        await self._enter(
            signal.signal_id,
            signal.strategy,
            signal.symbol,
            side,
            quantity=signal.quantity,
            order_type=signal.order_type,
            limit_price=signal.limit_price,
            suggested_stop=signal.stop_price,
        )

    async def on_manual(self, command: SubmitManualOrder) -> None:
        """An operator's order: strategy ``manual``, through the same checks."""
        if command.account not in (None, self.account):
            return
        self.seen.add("manual")
        signal_id = self.next_id("manual")
        refusal = invalid_terms(command.quantity, command.limit_price, command.stop_price)
        if refusal is not None:
            await self.reject(signal_id, "manual", command.symbol, refusal)
            return
        await self._enter(
            signal_id,
            "manual",
            command.symbol,
            command.side,
            quantity=command.quantity,
            order_type=command.order_type,
            limit_price=command.limit_price,
            trigger=command.stop_price,
            time_in_force=command.time_in_force,
        )

    async def _exit(self, signal: Signal) -> None:
        """CLOSE exits the strategy's position, FLATTEN every strategy's: exits always pass."""
        symbol = signal.symbol
        everyone = signal.action is SignalAction.FLATTEN
        legs: list[RiskLeg] = []
        for order in list(self.book.open_entries(symbol)):
            if everyone or order.strategy == signal.strategy:
                await self.cancel(order.client_order_id)
                legs.append(
                    RiskLeg(
                        strategy=order.strategy,
                        side=order.side,
                        quantity=order.remaining,
                        purpose="cancel",
                    )
                )
        for (strategy, sym), quantity in sorted(self.book.positions.items()):
            if sym != symbol or quantity == 0 or not (everyone or strategy == signal.strategy):
                continue
            side = Side.SELL if quantity > 0 else Side.BUY
            if await self.send(strategy, symbol, side, abs(quantity), kind="exit"):
                legs.append(
                    RiskLeg(
                        strategy=strategy,
                        side=side,
                        quantity=abs(quantity),
                        purpose="exit",
                        reduce_only=True,
                    )
                )
        reason = f"{signal.action}: " + ("exits sent" if legs else "nothing to close")
        await self.decide(signal.signal_id, signal.strategy, symbol, legs, reason)

    async def _enter(
        self,
        signal_id: str,
        strategy: str,
        symbol: str,
        side: Side,
        *,
        quantity: Decimal | None,
        order_type: OrderType,
        limit_price: Decimal | None,
        suggested_stop: Decimal | None = None,
        trigger: Decimal | None = None,
        time_in_force: TimeInForce = TimeInForce.DAY,
    ) -> None:
        instrument = self.instruments.get(symbol)
        refusal = check_paused(strategy, strategy in self.paused)
        if refusal is None and instrument is None:
            refusal = Refusal("instrument", f"unknown symbol {symbol!r}")
        price = self.book.price(symbol)
        if refusal is None and price is None:
            refusal = Refusal("price_band", f"no price known for {symbol} yet")
        if refusal is None and self.book.equity is None:
            refusal = Refusal("buying_power", "no portfolio figures received yet")
        if refusal is not None or instrument is None or price is None:
            await self.reject(signal_id, strategy, symbol, refusal or Refusal("instrument", symbol))
            return
        if limit_price is not None:
            limit_price = instrument.round_price(
                limit_price, direction="down" if side is Side.BUY else "up"
            )
        if trigger is not None:
            trigger = instrument.round_price(trigger)
        entry_price = limit_price if order_type is OrderType.LIMIT and limit_price else price
        long = side is Side.BUY
        stop_level = self.stops.plan(symbol, entry_price, long=long, suggested=suggested_stop)
        sized = quantity is None
        wanted = (
            size(self, strategy, instrument, entry_price, stop_level)
            if sized
            else instrument.round_quantity(quantity or ZERO)
        )
        intended = self.book.intended(symbol)
        if sized:
            wanted = clip_to_cap(self, wanted, intended, side, instrument, entry_price)
        resolution = resolve(
            self.config.conflict_policy,
            strategy=strategy,
            side=side,
            quantity=wanted,
            positions=intended,
            priorities={n: a.priority for n, a in self.config.strategies.items()},
        )
        legs: list[RiskLeg] = []
        if resolution.own_exit > 0:
            await self._close_leg(strategy, symbol, side, resolution.own_exit, "exit", legs)
        if self.state is not TradingState.HALTED:
            for holder, amount in resolution.closes:
                await self._close_leg(holder, symbol, side, amount, "conflict_close", legs)
        refusal = resolution.refusal
        if refusal is None and resolution.entry == 0 and not legs:
            refusal = Refusal(
                "sizing", f"{symbol} sized to zero lots (no edge, no capital or below one lot)"
            )
        if refusal is None and resolution.entry > 0:
            reduced = resolution.own_exit + sum((a for _, a in resolution.closes), ZERO)
            refusal = check_entry(
                self,
                strategy,
                symbol,
                side,
                resolution.entry,
                instrument,
                entry_price=entry_price,
                stop_level=stop_level,
                reduced=reduced,
                limit_price=limit_price if order_type is OrderType.LIMIT else None,
                net=sum(intended.values(), ZERO),
            )
            if (
                refusal is None
                and order_type not in (OrderType.MARKET, OrderType.LIMIT)
                and trigger is None
            ):
                refusal = Refusal("order_type", f"a {order_type} order needs a stop price")
            if refusal is None:
                sent = await self.send(
                    strategy,
                    symbol,
                    side,
                    resolution.entry,
                    kind="entry",
                    order_type=order_type,
                    limit_price=limit_price,
                    stop_price=trigger,
                    time_in_force=time_in_force,
                )
                if sent:
                    self.throttle.record(strategy, self.ctx.clock.monotonic())
                    self.stops.planned[(strategy, symbol)] = stop_level
                    legs.append(
                        RiskLeg(
                            strategy=strategy,
                            side=side,
                            quantity=resolution.entry,
                            purpose="entry",
                            price=limit_price,
                        )
                    )
        if refusal is not None:
            await self.reject(signal_id, strategy, symbol, refusal)
        if legs:
            reason = (
                f"{side} {symbol}: " + ("sized" if sized else "as asked") + f", stop {stop_level}"
            )
            await self.decide(signal_id, strategy, symbol, legs, reason)

    async def _close_leg(
        self,
        strategy: str,
        symbol: str,
        side: Side,
        amount: Decimal,
        purpose: str,
        legs: list[RiskLeg],
    ) -> None:
        """Close up to ``amount`` of ``strategy``'s filled position; cancel its opposing entries."""
        for order in list(self.book.open_entries(symbol)):
            if order.strategy == strategy and order.side is not side:
                await self.cancel(order.client_order_id)
                legs.append(
                    RiskLeg(
                        strategy=strategy,
                        side=order.side,
                        quantity=order.remaining,
                        purpose="cancel",
                    )
                )
        held = abs(self.book.positions.get((strategy, symbol), ZERO))
        quantity = min(amount, held)
        if quantity > 0 and await self.send(strategy, symbol, side, quantity, kind="exit"):
            legs.append(
                RiskLeg(
                    strategy=strategy,
                    side=side,
                    quantity=quantity,
                    purpose=purpose,
                    reduce_only=True,
                )
            )

    # -- orders and stops --------------------------------------------------------

    async def on_order_update(self, update: OrderUpdate) -> None:
        await self.stops.on_order_update(update)

    async def sync_stop(self, key: tuple[str, str]) -> None:
        await self.stops.sync(key)

    async def arm_stops(self) -> None:
        await self.stops.arm()

    async def trail(self, symbol: str) -> None:
        await self.stops.trail(symbol)

    async def rebalance(self, mode: str) -> None:
        await rebalance(self, mode)


def invalid_terms(*values: Decimal | None) -> Refusal | None:
    """Quantities and prices from outside must be finite and positive (NaN compares as error)."""
    for value in values:
        if value is not None and (not value.is_finite() or value <= 0):
            return Refusal("invalid", f"quantities and prices must be finite and positive: {value}")
    return None
