"""Checking a ledger snapshot before trusting it.

A snapshot comes back from storage; msgspec has checked its types, this
checks that it describes books that could exist: every position priced and
marked, no position twice, no number that is not one, and every symbol's net
quantity equal to the sum of the strategies' quantities. A snapshot that
fails is refused with the first contradiction found (invariant 7).
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from actors.messages import LedgerSnapshot

from .errors import CorruptSnapshot

__all__ = ["check_snapshot"]


def check_snapshot(snapshot: LedgerSnapshot) -> None:
    where = f"ledger snapshot of {snapshot.account!r}"
    numbers: dict[str, Decimal] = {
        "opening_cash": snapshot.opening_cash,
        "cash": snapshot.cash,
        "peak_equity": snapshot.peak_equity,
        "day_start_equity": snapshot.day_start_equity,
    }
    numbers.update({f"marks[{symbol!r}]": mark for symbol, mark in snapshot.marks.items()})
    for n, p in enumerate(snapshot.positions):
        for field in ("quantity", "cost", "realized_pnl", "commissions"):
            numbers[f"positions[{n}].{field}"] = getattr(p, field)
    for name, value in numbers.items():
        if not value.is_finite():
            raise CorruptSnapshot(f"{where}: {name} is {value}")
    symbols = [i.symbol for i in snapshot.instruments]
    twice = sorted(s for s, c in Counter(symbols).items() if c > 1)
    if twice:
        raise CorruptSnapshot(f"{where}: instruments {twice} are defined twice")
    if len(set(snapshot.executions)) != len(snapshot.executions):
        raise CorruptSnapshot(f"{where}: an execution id is listed twice")
    seen: set[tuple[str, str]] = set()
    net: dict[str, Decimal] = {}
    by_strategies: dict[str, Decimal] = {}
    for n, p in enumerate(snapshot.positions):
        name = f"positions[{n}] ({p.strategy or 'net'} {p.symbol})"
        if (p.strategy, p.symbol) in seen:
            raise CorruptSnapshot(f"{where}: {name} appears twice")
        seen.add((p.strategy, p.symbol))
        if p.symbol not in symbols:
            raise CorruptSnapshot(f"{where}: {name} has no instrument")
        if p.symbol not in snapshot.marks:
            raise CorruptSnapshot(f"{where}: {name} has no mark")
        if not p.quantity and p.cost:
            raise CorruptSnapshot(f"{where}: {name} is flat but carries a cost of {p.cost}")
        if p.strategy:
            by_strategies[p.symbol] = by_strategies.get(p.symbol, Decimal(0)) + p.quantity
        else:
            net[p.symbol] = p.quantity
    for symbol in sorted(net.keys() | by_strategies.keys()):
        if symbol not in net:
            raise CorruptSnapshot(f"{where}: strategies hold {symbol!r} but the account does not")
        total = by_strategies.get(symbol, Decimal(0))
        if net[symbol] != total:
            raise CorruptSnapshot(
                f"{where}: the account holds {net[symbol]} {symbol} but its strategies hold {total}"
            )
