"""``tradeloop monitor``: a terminal dashboard attached to the hub.

It keeps its own picture of the daemon from the hub's messages (snapshot,
then events), resumes from the last seq it saw after any disconnect, and says
when it is catching up or disconnected rather than showing stale figures as
live.
"""

from __future__ import annotations

import json
from collections import deque
from typing import Any, final
from urllib.parse import urlsplit, urlunsplit

import trio
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text
from trio_websocket import ConnectionClosed, HandshakeError

from actors.gateway import open_hub_client

__all__ = ["MonitorState", "run_monitor"]


@final
class MonitorState:
    """What the dashboard shows, updated message by message."""

    def __init__(self) -> None:
        self.status = "connecting"
        self.seq: int | None = None
        self.session: str | None = None
        self.live_from = 0  # the hub's seq at connect: replayed events end there
        self.portfolio: dict[str, Any] | None = None
        self.positions: dict[str, dict[str, Any]] = {}
        self.orders: dict[str, dict[str, Any]] = {}
        self.trades: deque[dict[str, Any]] = deque(maxlen=12)
        self.alerts: deque[dict[str, Any]] = deque(maxlen=8)
        self.trading_state = "?"
        self.breakers: dict[str, dict[str, Any]] = {}
        self.actors: dict[str, str] = {}
        self.snapshots = 0

    def apply(self, message: dict[str, Any]) -> None:
        kind, data, seq = message["type"], message["data"], message["seq"]
        if kind == "hello":
            if self.session is not None and data["session"] != self.session:
                self.seq = None  # the hub restarted: its seqs start again
            self.session = data["session"]
            self.live_from = seq
            self.status = "catching up" if self.seq is not None and seq > self.seq else "live"
            return
        if kind == "snapshot":
            self._snapshot(data)
            self.seq = max(self.seq or 0, seq)
            self.status = "live"
            return
        if kind == "state_recovery":
            self.status = f"recovering: {data.get('missed')} events missed"
            return
        if kind in ("heartbeat", "pong", "error", "subscribed", "command_result"):
            return
        self.seq = seq
        if self.status == "catching up" and seq >= self.live_from:
            self.status = "live"
        self._event(kind, data)

    def _snapshot(self, data: dict[str, Any]) -> None:
        self.snapshots += 1
        self.portfolio = data.get("portfolio")
        self.positions = {p["symbol"]: p for p in data.get("positions", [])}
        self.orders = {o["client_order_id"]: o for o in data.get("orders", [])}
        breakers = data.get("breakers") or {}
        self.trading_state = breakers.get("state", "?")
        self.breakers = {b["name"]: b for b in breakers.get("breakers", [])}
        self.actors = {a["name"]: a["status"] for a in data.get("actors", [])}

    def _event(self, kind: str, data: dict[str, Any]) -> None:
        if kind == "portfolio_update":
            self.portfolio = data
        elif kind == "position_update" and not data.get("strategy"):
            if data["quantity"] in ("0", "0.0"):
                self.positions.pop(data["symbol"], None)
            else:
                self.positions[data["symbol"]] = data
        elif kind == "order_update":
            if data["status"] in ("filled", "canceled", "rejected", "expired"):
                self.orders.pop(data["client_order_id"], None)
            else:
                self.orders[data["client_order_id"]] = data
        elif kind == "trade_executed":
            self.trades.appendleft(data)
        elif kind == "alert":
            self.alerts.appendleft(data)
        elif kind == "breaker_update":
            self.trading_state = data.get("trading_state", data.get("state", self.trading_state))
            if data.get("kind") == "breaker":
                self.breakers[data["name"]] = data
        elif kind == "actor_update":
            event = data["event"]
            self.actors[data["actor"]] = {"start": "running", "stop": "stopped"}.get(event, event)


def _table(title: str, columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> Table:
    table = Table(title=title, title_justify="left", expand=True)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    return table


def render(state: MonitorState) -> Group:
    p = state.portfolio
    header = Text(f"tradeloop · {state.status} · seq {state.seq} · trading {state.trading_state}")
    summary = Text(
        "no portfolio yet"
        if p is None
        else f"equity {p['equity']}  cash {p['cash']}  positions {p['positions_value']}  "
        f"day P&L {p['daily_pnl']}  total P&L {p['total_pnl']}"
    )
    positions = _table(
        "Positions",
        ("symbol", "qty", "avg", "value", "unrealized"),
        [
            (s, d["quantity"], d["average_price"], d["market_value"], d["unrealized_pnl"])
            for s, d in sorted(state.positions.items())
        ],
    )
    orders = _table(
        "Open orders",
        ("order", "symbol", "side", "qty", "filled", "status"),
        [
            (
                o["client_order_id"],
                o["symbol"],
                o["side"],
                o["quantity"],
                o["filled_quantity"],
                o["status"],
            )
            for o in state.orders.values()
        ],
    )
    trades = _table(
        "Trades",
        ("symbol", "side", "qty", "price", "strategy"),
        [(t["symbol"], t["side"], t["quantity"], t["price"], t["strategy"]) for t in state.trades],
    )
    alerts = _table(
        "Alerts",
        ("severity", "category", "message"),
        [(a["severity"], a["category"], a["message"][:80]) for a in state.alerts],
    )
    breakers = _table(
        "Breakers",
        ("name", "state", "reason"),
        [(n, b["state"], b.get("reason", "")) for n, b in sorted(state.breakers.items())],
    )
    actors = _table("Actors", ("actor", "status"), sorted(state.actors.items()))
    return Group(header, summary, positions, orders, trades, alerts, breakers, actors)


def _with_from_seq(url: str, seq: int | None) -> str:
    if seq is None:
        return url
    parts = urlsplit(url)
    query = "&".join(q for q in parts.query.split("&") if q and not q.startswith("from_seq="))
    query = f"{query}&from_seq={seq}" if query else f"from_seq={seq}"
    return urlunsplit(parts._replace(query=query))


async def run_monitor(
    url: str,
    token: str | None,
    *,
    once: bool = False,
    console: Console | None = None,
    retry_delay: float = 1.0,
) -> MonitorState:
    """Watch the hub at ``url`` until cancelled (``once``: until the first snapshot)."""
    state = MonitorState()
    with Live(render(state), console=console, auto_refresh=False) as live:
        while True:
            try:
                async with open_hub_client(_with_from_seq(url, state.seq), token=token) as ws:
                    while True:
                        state.apply(json.loads(await ws.get_message()))
                        live.update(render(state), refresh=True)
                        if once and state.snapshots:
                            return state
            except (ConnectionClosed, HandshakeError, OSError, trio.TooSlowError) as exc:
                if once:
                    raise
                state.status = f"disconnected ({type(exc).__name__}); reconnecting"
                live.update(render(state), refresh=True)
            await trio.sleep(retry_delay)
