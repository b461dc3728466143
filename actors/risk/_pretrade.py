"""Pre-trade sizing and the limits on an entry, with the figures from risk's book.

:func:`size` picks the quantity (Kelly or fixed fractional, per the config),
:func:`clip_to_cap` keeps a sized entry under the position cap, and
:func:`check_entry` runs every limit in :data:`CHECK_ORDER` and returns the
first refusal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Final

from actors.messages import Instrument, Side

from ._limits import (
    Refusal,
    check_buying_power,
    check_gross_exposure,
    check_heat,
    check_max_notional,
    check_position_cap,
    check_price_band,
    check_symbol_halt,
    check_trading_state,
)
from ._sizing import edge, fixed_fractional_size, kelly_size

if TYPE_CHECKING:
    from ._desk import RiskDesk

__all__ = ["check_entry", "clip_to_cap", "size"]

ZERO: Final = Decimal(0)


def size(
    desk: RiskDesk, strategy: str, instrument: Instrument, price: Decimal, stop: Decimal
) -> Decimal:
    config = desk.config
    equity = desk.book.equity or ZERO
    if config.sizing == "fixed_fractional":
        return fixed_fractional_size(
            risk_fraction=config.risk_per_trade,
            capital=desk.capital(strategy),
            entry=price,
            stop=stop,
            equity=equity,
            cap=config.max_position_fraction,
            instrument=instrument,
        )
    trades = desk.book.trades(strategy)
    if len(trades) >= config.kelly_min_trades:
        win_rate, payoff = edge(trades)
    else:
        win_rate, payoff = config.prior_win_rate, config.prior_payoff_ratio
    return kelly_size(
        win_rate=win_rate,
        payoff_ratio=payoff,
        multiplier=config.kelly_multiplier,
        capital=desk.capital(strategy),
        equity=equity,
        cap=config.max_position_fraction,
        price=price,
        instrument=instrument,
    )


def clip_to_cap(
    desk: RiskDesk,
    wanted: Decimal,
    intended: Mapping[str, Decimal],
    side: Side,
    instrument: Instrument,
    price: Decimal,
) -> Decimal:
    """A sized entry shrunk to the room left under the position cap (if any is left)."""
    net = sum(intended.values(), ZERO) * side.sign
    cap_units = (
        desk.config.max_position_fraction
        * (desk.book.equity or ZERO)
        / (price * instrument.multiplier)
    )
    room = instrument.round_quantity(max(cap_units - max(net, ZERO), ZERO))
    return min(wanted, room) if room > 0 else wanted


def check_entry(
    desk: RiskDesk,
    strategy: str,
    symbol: str,
    side: Side,
    quantity: Decimal,
    instrument: Instrument,
    *,
    entry_price: Decimal,
    stop_level: Decimal,
    reduced: Decimal,
    limit_price: Decimal | None,
    net: Decimal,
) -> Refusal | None:
    """Every limit on an entry, in CHECK_ORDER; the first refusal or None."""
    config = desk.config
    equity = desk.book.equity or ZERO
    notional = abs(instrument.notional(entry_price, quantity))
    reduced_notional = abs(instrument.notional(entry_price, reduced))
    net_after = net + side.sign * (reduced + quantity)
    default = desk.stops.default_distance
    checks: tuple[Callable[[], Refusal | None], ...] = (
        lambda: check_trading_state(desk.state, reduces=False, is_exit=False),
        lambda: check_symbol_halt(symbol, desk.halted.get(symbol)),
        lambda: check_max_notional(notional, config.max_order_notional),
        lambda: (
            None
            if limit_price is None
            else check_price_band(limit_price, desk.book.last_trade.get(symbol), config.price_band)
        ),
        lambda: check_position_cap(
            symbol,
            abs(instrument.notional(entry_price, net_after)),
            equity,
            config.max_position_fraction,
        ),
        lambda: check_gross_exposure(
            desk.book.gross_exposure() - reduced_notional + notional,
            equity,
            config.max_gross_exposure,
        ),
        lambda: check_heat(
            desk.book.heat(default)
            + quantity * abs(entry_price - stop_level) * instrument.multiplier,
            equity,
            config.max_heat,
        ),
        lambda: check_buying_power(
            notional * desk.margin_rate(instrument),
            (desk.book.cash or ZERO)
            - desk.book.reserved({s: desk.margin_rate(i) for s, i in desk.instruments.items()}),
        ),
        lambda: desk.throttle.check(strategy, desk.ctx.clock.monotonic()),
    )
    for check in checks:
        refusal = check()
        if refusal is not None:
            return refusal
    return None
