"""Pre-trade checks: whether the venue takes an order, and what it ties up.

Buying power is ``equity × leverage`` less what positions and working orders
use: a stock position its gross market value, a futures position its initial
margin per contract, a working order what it would add if it filled (at its
limit or stop, or the touch for a market order). Only the part of an order
that opens or adds to a position needs buying power; closing is always
allowed (when the order is not short-selling a forbidden short).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from actors.messages import Instrument, InstrumentKind, Order, OrderType, Side, TimeInForce

from ._config import PaperConfig
from ._ledger import opening_quantity
from ._pricing import Market, is_stop
from ._state import AccountState, OrderRecord

__all__ = ["account_refusal", "buying_power", "equity", "requirement", "terms_refusal"]


def terms_refusal(order: Order, instruments: Mapping[str, Instrument]) -> str | None:
    """Why the order's own terms are unacceptable, or None."""
    instrument = instruments.get(order.symbol)
    if instrument is None:
        return f"unknown symbol {order.symbol!r}"
    if order.quantity <= 0:
        return f"quantity {order.quantity} is not positive"
    if not instrument.is_whole_lots(order.quantity):
        return f"quantity {order.quantity} is not a multiple of the lot size {instrument.lot_size}"
    kind = order.order_type
    prices = (
        ("limit", order.limit_price, kind in (OrderType.LIMIT, OrderType.STOP_LIMIT)),
        ("stop", order.stop_price, is_stop(kind)),
    )
    for name, price, needed in prices:
        if not needed:
            continue
        if price is None:
            return f"a {kind} order needs a {name} price"
        if price <= 0 or not instrument.is_on_tick(price):
            tick = instrument.tick_size
            return f"{name} price {price} is not a positive multiple of the tick {tick}"
    if is_stop(kind) and order.time_in_force in (TimeInForce.IOC, TimeInForce.FOK):
        return f"time in force {order.time_in_force} is for market and limit orders only"
    return None


def requirement(
    config: PaperConfig,
    instrument: Instrument,
    market: Market,
    position: Decimal,
    order: Order,
    remaining: Decimal,
) -> Decimal | None:
    """Buying power the order's ``remaining`` quantity needs; None: no price to judge by."""
    opening = opening_quantity(position, order.side, remaining)
    if opening == 0:
        return Decimal(0)
    if instrument.kind is InstrumentKind.FUTURE:
        return opening * config.initial_margin(instrument.symbol)
    if order.order_type in (OrderType.LIMIT, OrderType.STOP_LIMIT):
        price = order.limit_price
    elif order.order_type is OrderType.STOP:
        price = order.stop_price
    else:
        price = market.reference(order.side)
    return None if price is None else instrument.notional(price, opening)


def equity(
    account: AccountState, instruments: Mapping[str, Instrument], markets: Mapping[str, Market]
) -> Decimal:
    """Cash plus stock positions at their marks plus futures' open P&L."""
    total = account.cash
    for symbol, position in account.positions.items():
        instrument = instruments[symbol]
        mark = markets[symbol].mark()
        value = position.cost if mark is None else instrument.notional(mark, position.quantity)
        total += value - position.cost if instrument.kind is InstrumentKind.FUTURE else value
    return total


def buying_power(
    config: PaperConfig,
    account: AccountState,
    instruments: Mapping[str, Instrument],
    markets: Mapping[str, Market],
    working: Iterable[OrderRecord],
) -> Decimal:
    available = equity(account, instruments, markets) * config.leverage
    for symbol, position in account.positions.items():
        instrument = instruments[symbol]
        if instrument.kind is InstrumentKind.FUTURE:
            available -= abs(position.quantity) * config.initial_margin(symbol)
        else:
            mark = markets[symbol].mark()
            value = position.cost if mark is None else instrument.notional(mark, position.quantity)
            available -= abs(value)
    for record in working:
        order = record.order
        held = account.positions.get(order.symbol)
        needed = requirement(
            config,
            instruments[order.symbol],
            markets[order.symbol],
            Decimal(0) if held is None else held.quantity,
            order,
            record.remaining,
        )
        available -= needed or Decimal(0)
    return available


def account_refusal(
    config: PaperConfig,
    instrument: Instrument,
    market: Market,
    account: AccountState,
    order: Order,
    available: Decimal,
) -> str | None:
    """Why this account may not place ``order`` now (position, shorting, money), or None."""
    if order.order_type is OrderType.MARKET and market.reference(order.side) is None:
        return f"no market data for {order.symbol}: a market order cannot be priced"
    held = account.positions.get(order.symbol)
    position = Decimal(0) if held is None else held.quantity
    opening = opening_quantity(position, order.side, order.quantity)
    if order.reduce_only and opening > 0:
        return f"reduce-only order would open or add to the position ({position})"
    if (
        instrument.kind is InstrumentKind.STOCK
        and order.side is Side.SELL
        and opening > 0
        and not config.allow_short
    ):
        return f"short selling is not allowed (position {position}, selling {order.quantity})"
    needed = requirement(config, instrument, market, position, order, order.quantity) or 0
    if needed > available:
        return f"insufficient buying power: needs {needed}, available {available}"
    return None
