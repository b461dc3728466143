"""Sizing: exact Kelly, half-Kelly, negative edge, the cap, fixed fractional, lots, futures."""

from __future__ import annotations

from decimal import Decimal as D

from actors.messages import Instrument, InstrumentKind
from actors.risk import edge, fixed_fractional_size, kelly_fraction, kelly_size, position_size

STOCK = Instrument(symbol="AAPL")
ROUND_LOTS = Instrument(symbol="XYZ", lot_size=D(100))
MES = Instrument(symbol="MES", kind=InstrumentKind.FUTURE, tick_size=D("0.25"), multiplier=D(5))


def test_kelly_fraction_is_w_minus_loss_rate_over_payoff() -> None:
    assert kelly_fraction(D("0.6"), D(2)) == D("0.4")
    assert kelly_fraction(D("0.5"), D("1.5")) == D("0.5") - D("0.5") / D("1.5")


def test_a_negative_edge_sizes_zero() -> None:
    assert kelly_fraction(D("0.3"), D(1)) == 0
    assert kelly_fraction(D("0.9"), D(0)) == 0
    sized = kelly_size(
        win_rate=D("0.3"),
        payoff_ratio=D(1),
        multiplier=D("0.5"),
        capital=D(100_000),
        equity=D(100_000),
        cap=D("0.2"),
        price=D(150),
        instrument=STOCK,
    )
    assert sized == 0


def _kelly(multiplier: str, capital: int, instrument: Instrument = STOCK, price: str = "150") -> D:
    return kelly_size(
        win_rate=D("0.6"),
        payoff_ratio=D(2),
        multiplier=D(multiplier),
        capital=D(capital),
        equity=D(100_000),
        cap=D("0.2"),
        price=D(price),
        instrument=instrument,
    )


def test_half_kelly_of_the_strategy_capital_in_whole_units() -> None:
    # f = 0.4, half = 0.2; 0.2 x 50,000 = 10,000 at 150 -> 66.67 -> 66 units
    assert _kelly("0.5", 50_000) == 66


def test_kelly_is_capped_at_20_percent_of_equity() -> None:
    # full Kelly 0.4 x 100,000 = 40,000, capped at 20,000 -> 133 units at 150
    assert _kelly("1", 100_000) == 133
    assert _kelly("0.5", 100_000) == 133  # exactly at the cap


def test_sizes_round_down_to_whole_lots() -> None:
    # 20,000 at 15 = 1,333.3 units -> 13 lots of 100
    assert _kelly("0.5", 100_000, ROUND_LOTS, "15") == 1300
    assert position_size(D("0.1"), D(100_000), D(15), ROUND_LOTS) == 600


def test_fixed_fractional_risks_two_percent_to_the_stop() -> None:
    # 2% of 100,000 = 2,000 at risk; 10 per unit to the stop -> 200 units
    sized = fixed_fractional_size(
        risk_fraction=D("0.02"),
        capital=D(100_000),
        entry=D(50),
        stop=D(40),
        equity=D(100_000),
        cap=D("0.2"),
        instrument=STOCK,
    )
    assert sized == 200
    # a 1-point stop would be 2,000 units, but the cap holds it to 20,000 / 50 = 400
    tight = fixed_fractional_size(
        risk_fraction=D("0.02"),
        capital=D(100_000),
        entry=D(50),
        stop=D(49),
        equity=D(100_000),
        cap=D("0.2"),
        instrument=STOCK,
    )
    assert tight == 400


def test_futures_sizing_counts_the_multiplier() -> None:
    # 2% of 50,000 = 1,000; (5000 - 4950) x 5 = 250 per contract -> 4 contracts
    sized = fixed_fractional_size(
        risk_fraction=D("0.02"),
        capital=D(50_000),
        entry=D(5000),
        stop=D(4950),
        equity=D(1_000_000),
        cap=D("0.2"),
        instrument=MES,
    )
    assert sized == 4
    # Kelly: 0.2 x 1,000,000 = 200,000 over 5000 x 5 = 25,000 a contract -> 8
    kelly = kelly_size(
        win_rate=D("0.6"),
        payoff_ratio=D(2),
        multiplier=D("0.5"),
        capital=D(1_000_000),
        equity=D(1_000_000),
        cap=D("0.2"),
        price=D(5000),
        instrument=MES,
    )
    assert kelly == 8


def test_edge_from_closed_trades() -> None:
    assert edge([D(10), D(-5), D(20), D(-5)]) == (D("0.5"), D(3))
    assert edge([]) == (D(0), D(0))
    assert edge([D(-1), D(0)]) == (D(0), D(0))
    win_rate, payoff = edge([D(4), D(6)])
    assert win_rate == 1
    assert payoff.is_infinite()
    assert kelly_fraction(win_rate, payoff) == 1
