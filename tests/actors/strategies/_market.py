"""Hand-built bars and the fills a paper venue would give back.

``bar(symbol, minute, close)`` is the bar opening at minute ``minute`` after
:data:`START`; without ``high``/``low`` it is a flat bar at its close.
:func:`fill_for` executes a signal in full at a price, the way the paper
venue fills a market order, so tests can drive a strategy's own position.
"""

from __future__ import annotations

import math
import random
from decimal import Decimal

from actors.messages import Bar, Fill, PositionUpdate, Side, Signal, SignalAction
from actors.strategies import StrategyBase

START = 1_700_000_040.0  # a minute boundary


def bar(
    symbol: str,
    minute: int,
    close: str | float,
    *,
    high: str | None = None,
    low: str | None = None,
    volume: int = 100,
) -> Bar:
    price = Decimal(str(close))
    return Bar(
        symbol=symbol,
        ts=START + 60.0 * minute,
        timeframe="1m",
        open=price,
        high=Decimal(high) if high is not None else price,
        low=Decimal(low) if low is not None else price,
        close=price,
        volume=Decimal(volume),
    )


def series(symbol: str, closes: list[str], first_minute: int = 0) -> list[Bar]:
    return [bar(symbol, first_minute + i, c) for i, c in enumerate(closes)]


def close_ts(minute: int) -> float:
    """The close time of the bar opening at ``minute``: when a signal on it is made."""
    return START + 60.0 * (minute + 1)


def fill_for(
    strategy: StrategyBase, signal: Signal, price: Decimal, *, default_quantity: int = 5
) -> Fill:
    """The whole of ``signal`` executed at ``price`` (a close takes the whole position)."""
    position = strategy.position(signal.symbol)
    if signal.action is SignalAction.CLOSE:
        side, quantity = (Side.SELL if position > 0 else Side.BUY), abs(position)
    else:
        side = Side.BUY if signal.action is SignalAction.BUY else Side.SELL
        quantity = signal.quantity or Decimal(default_quantity)
    return Fill(
        execution_id=f"x-{signal.signal_id}",
        client_order_id=f"o-{signal.signal_id}",
        account="paper",
        symbol=signal.symbol,
        side=side,
        quantity=quantity,
        price=price,
        commission=Decimal(0),
        ts=signal.ts,
        strategy=signal.strategy,
    )


def position_update(strategy: StrategyBase, symbol: str) -> PositionUpdate:
    """The portfolio's sub-ledger line for ``strategy`` in ``symbol``, as it would publish it."""
    holding = strategy.holding(symbol)
    return PositionUpdate(
        account="paper",
        symbol=symbol,
        quantity=holding.quantity,
        average_price=Decimal(100),
        market_price=Decimal(100),
        market_value=Decimal(0),
        unrealized_pnl=Decimal(0),
        realized_pnl=Decimal(0),
        ts=holding.since if holding.since is not None else START,
        strategy=strategy.name,
    )


def random_walk(
    symbols: tuple[str, ...], minutes: int, rng: random.Random, related: tuple[str, ...] = ()
) -> list[Bar]:
    """1m bars of a random walk, 0.1% a minute, each bar's range a little wider than its move.

    The ``related`` symbols share 90% of their moves (correlation 0.9).
    """
    prices = dict.fromkeys(symbols, 100.0)
    out: list[Bar] = []
    for minute in range(minutes):
        common = rng.gauss(0.0, 1.0)
        for symbol in symbols:
            before = prices[symbol]
            own = rng.gauss(0.0, 1.0)
            shock = 0.9 * common + math.sqrt(0.19) * own if symbol in related else own
            after = before * math.exp(0.001 * shock)
            prices[symbol] = after
            out.append(
                Bar(
                    symbol=symbol,
                    ts=START + 60.0 * minute,
                    timeframe="1m",
                    open=Decimal(f"{before:.2f}"),
                    high=Decimal(f"{max(before, after) * 1.0002:.2f}"),
                    low=Decimal(f"{min(before, after) * 0.9998:.2f}"),
                    close=Decimal(f"{after:.2f}"),
                    volume=Decimal(100),
                )
            )
    return out
