"""``tradeloop replay``: the daemon's tree over recorded data, figures and files checked.

The sample quotes that ship with the project play through the command line;
a bars file made here (a slow sine, so a moving-average cross trades it)
shows the figures agree with the trades and the equity curve written.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import structlog

from adapters.market import SAMPLE_QUOTES, read_replay_csv
from runtime import load_config
from tradeloop._config import Config
from tradeloop._performance import max_drawdown, sharpe_ratio, summarize
from tradeloop._replay import TOTAL, TRADES_HEADER, replay
from tradeloop.cli import main

START = 1_704_205_800  # 2024-01-02 14:30 UTC, a session open

MOMENTUM = """
[[strategies]]
kind = "momentum"
name = "trend"
symbols = ["SPY"]
warm_bars = 0
params = { fast = 3, slow = 8 }
"""


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """The command configures structlog onto the captured stderr; undo it after each test."""
    yield
    structlog.reset_defaults()


def _bars(path: Path, minutes: int = 80) -> Path:
    rows = ["ts,symbol,open,high,low,close,volume"]
    price = 500.0
    for i in range(minutes):
        close = 500 + 20 * math.sin(i / 5) + (i % 7 - 3) * 0.3
        high, low = max(price, close) + 0.2, min(price, close) - 0.2
        rows.append(f"{START + 60 * i},SPY,{price:.2f},{high:.2f},{low:.2f},{close:.2f},1000")
        price = close
    path.write_text("\n".join(rows) + "\n")
    return path


def _csv(path: Path) -> list[list[str]]:
    with path.open(newline="") as handle:
        return list(csv.reader(handle))


def test_the_sample_replays_through_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code = main(["replay", "--data", str(SAMPLE_QUOTES), "--out", str(out), "--quiet"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "replay: 300 events" in captured.out
    for column in ("P&L", "return", "max drawdown", "win rate", "trades", "Sharpe"):
        assert column in captured.out
    # the default strategies that trade symbols the sample lacks are named, not silently dropped
    assert "left out" in captured.err
    assert "QQQ" in captured.err
    assert _csv(out / "trades.csv")[0] == list(TRADES_HEADER)
    equity = _csv(out / "equity.csv")
    assert equity[0][:3] == ["time", "ts", "equity"]
    times = [float(row[1]) for row in equity[1:]]
    assert times == sorted(times)
    assert times[0] > START, "sampled on the data's time line"
    assert times[-1] <= START + 100 + 10


def test_a_bad_data_file_exits_2_naming_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(f"ts,symbol,bid,ask,bid_size,ask_size\n{START},AAPL,190.00,189.00,1,1\n")
    assert main(["replay", "--data", str(bad), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:2: column 'ask': ask 189.00 must be above bid 190.00" in err


def test_a_trending_series_trades_and_the_figures_agree_with_the_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_path = tmp_path / "momentum.toml"
    config_path.write_text(MOMENTUM)
    config = load_config(config_path, Config)
    data = read_replay_csv(_bars(tmp_path / "bars.csv"))
    result = replay(config, data, work_dir=tmp_path / "work")

    total, trend = result.stats[TOTAL], result.stats["trend"]
    assert total.trades == trend.trades == len(result.fills) > 0
    assert {fill.strategy for fill in result.fills} == {"trend"}
    assert trend.pnl == total.pnl, "one strategy: its P&L (net of commissions) is the account's"
    final = result.equity[-1]
    assert final.equity - result.capital == total.pnl
    assert total.closed > 0
    assert total.sharpe is not None
    assert 0 <= total.max_drawdown < 1
    assert all(data.start <= fill.ts <= data.events[-1].ts + 60 for fill in result.fills)

    out = tmp_path / "out"
    code = main(
        [
            "replay",
            "--data",
            str(tmp_path / "bars.csv"),
            "--config",
            str(config_path),
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert code == 0
    trades = _csv(out / "trades.csv")[1:]
    assert [row[8] for row in trades] == [fill.execution_id for fill in result.fills]
    last = _csv(out / "equity.csv")[-1]
    assert Decimal(last[2]) == final.equity, "a replay is deterministic from its seed"
    assert f"{total.pnl:,.2f}" in capsys.readouterr().out


def test_drawdown_and_sharpe_by_hand() -> None:
    curve = [Decimal(100), Decimal(120), Decimal(90), Decimal(130)]
    assert max_drawdown(curve) == 0.25  # 120 -> 90
    returns = [0.2, -0.25, 130 / 90 - 1]
    mean = sum(returns) / 3
    spread = math.sqrt(sum((r - mean) ** 2 for r in returns) / 2)
    assert sharpe_ratio(curve, 4) == pytest.approx(mean / spread * 2)
    assert sharpe_ratio([Decimal(100)] * 5, 4) is None
    stats = summarize(
        Decimal(1000), [Decimal(0), Decimal(50), Decimal(-20)], [Decimal(5), Decimal(-1)], 4, 1
    )
    assert (stats.pnl, stats.total_return, stats.win_rate, stats.trades) == (
        Decimal(-20),
        -0.02,
        0.5,
        4,
    )
