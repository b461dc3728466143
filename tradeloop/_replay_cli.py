"""``tradeloop replay``'s terminal side: a progress bar, the results table, the CSV files."""

from __future__ import annotations

import sys
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from adapters.market import ReplayData

from ._config import Config
from ._replay import TOTAL, ReplayResult, left_out, replay

__all__ = ["results_table", "run"]


def run(config: Config, data: ReplayData, out: Path, *, quiet: bool = False) -> int:
    """Replay, print the figures, write ``trades.csv`` and ``equity.csv`` into ``out``."""
    errors = Console(file=sys.stderr)
    for skipped in left_out(config, data):
        errors.print(f"[yellow]left out[/yellow] strategy {skipped}")
    with Progress(
        TextColumn("replay"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("events"),
        TimeElapsedColumn(),
        console=errors,
        disable=quiet,
    ) as bar:
        task = bar.add_task("replay", total=len(data.events))
        result = replay(config, data, progress=lambda done, _: bar.update(task, completed=done))
    out.mkdir(parents=True, exist_ok=True)
    result.write_trades(out / "trades.csv")
    result.write_equity(out / "equity.csv")
    console = Console()
    console.print(results_table(result))
    console.print(f"wrote {out / 'trades.csv'} and {out / 'equity.csv'}")
    return 0


def results_table(result: ReplayResult) -> Table:
    table = Table(title=f"replay: {result.events} events, capital {result.capital}")
    for column in ("strategy", "P&L", "return", "max drawdown", "win rate", "trades", "Sharpe"):
        table.add_column(column, justify="left" if column == "strategy" else "right")
    for name, stats in sorted(result.stats.items(), key=lambda item: item[0] == TOTAL):
        table.add_row(
            name,
            f"{stats.pnl:,.2f}",
            f"{stats.total_return:.2%}",
            f"{stats.max_drawdown:.2%}",
            "-" if stats.win_rate is None else f"{stats.win_rate:.0%} of {stats.closed}",
            str(stats.trades),
            "-" if stats.sharpe is None else f"{stats.sharpe:.2f}",
        )
    return table
