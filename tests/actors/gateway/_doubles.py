"""Minimal stand-ins for the actors the gateway talks to (our own system's parts).

Each answers the query the real one answers, from fixed state, and passes any
command it is told on to a probe inbox named ``<name>-probe`` so a test can
see exactly what arrived.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from actors.messages import (
    AccountStatus,
    BreakerState,
    BreakerStatus,
    BreakerView,
    GetAccount,
    GetBreakers,
    GetOpenOrders,
    GetPortfolio,
    GetStrategies,
    OpenOrders,
    OrderStatus,
    OrderUpdate,
    PortfolioSnapshot,
    PortfolioUpdate,
    PositionDifference,
    PositionUpdate,
    ReconciliationReport,
    ResetBreaker,
    Side,
    StrategiesStatus,
    StrategyView,
    TradingState,
)
from runtime import Actor, ActorContext, ChildSpec, Request, TaskStatus

T0 = 1_700_000_000.0


def portfolio_update(equity: str = "100000", ts: float = T0) -> PortfolioUpdate:
    value = Decimal(equity)
    return PortfolioUpdate(
        equity=value,
        cash=value - Decimal("1900.50"),
        positions_value=Decimal("1900.50"),
        position_count=1,
        realized_pnl=Decimal(0),
        unrealized_pnl=Decimal("0.50"),
        commissions=Decimal(0),
        daily_pnl=Decimal("0.50"),
        total_pnl=Decimal("0.50"),
        peak_equity=value,
        drawdown=Decimal(0),
        ts=ts,
    )


def position(symbol: str = "AAPL", quantity: str = "10", ts: float = T0) -> PositionUpdate:
    return PositionUpdate(
        account="paper",
        symbol=symbol,
        quantity=Decimal(quantity),
        average_price=Decimal("190.00"),
        market_price=Decimal("190.05"),
        market_value=Decimal(quantity) * Decimal("190.05"),
        unrealized_pnl=Decimal("0.50"),
        realized_pnl=Decimal(0),
        ts=ts,
    )


def account_status() -> AccountStatus:
    """The venue holds 2 MSFT the journal and portfolio do not know of."""
    difference = PositionDifference(symbol="MSFT", journal=Decimal(0), venue=Decimal(2))
    report = ReconciliationReport(
        account="paper",
        ts=T0,
        ok=False,
        differences=(difference,),
        venue_cash=Decimal("98099.50"),
    )
    return AccountStatus(
        account="paper",
        ready=True,
        venue_positions={"AAPL": Decimal(10), "MSFT": Decimal(2)},
        journal_positions={"AAPL": Decimal(10)},
        venue_cash=Decimal("98099.50"),
        last_reconciliation=report,
        blocked_symbols=("MSFT",),
    )


def _answer(question: object) -> Any:
    if isinstance(question, GetPortfolio):
        return PortfolioSnapshot(portfolio=portfolio_update(), positions=(position(),))
    if isinstance(question, GetBreakers):
        view = BreakerView(
            name="daily_loss", state=BreakerState.TRIPPED, trading_state=TradingState.HALTED
        )
        return BreakerStatus(state=TradingState.HALTED, breakers=(view,), ts=T0)
    if isinstance(question, ResetBreaker):
        return BreakerStatus(state=TradingState.ACTIVE, breakers=(), ts=T0)
    if isinstance(question, GetStrategies):
        strategy = StrategyView(
            name="tradingview",
            kind="alert",
            symbols=("AAPL",),
            paused=False,
            weight="0.2",
            capital="20000",
        )
        return StrategiesStatus(strategies=(strategy,), ts=T0)
    if isinstance(question, GetOpenOrders):
        order = OrderUpdate(
            client_order_id="paper-0000000001",
            account="paper",
            symbol="MSFT",
            side=Side.BUY,
            status=OrderStatus.ACCEPTED,
            quantity=Decimal(5),
            filled_quantity=Decimal(0),
            ts=T0,
        )
        return OpenOrders(orders=(order,))
    if isinstance(question, GetAccount):
        return account_status()
    raise AssertionError(f"unexpected question {question!r}")


def double(name: str) -> ChildSpec:
    """A child named ``name`` answering queries and relaying told commands to a probe."""

    async def run(ctx: ActorContext, task_status: TaskStatus) -> None:
        probe = ctx.ref(f"{name}-probe")
        task_status.started()
        async for message in ctx.mailbox:
            if isinstance(message, Request):
                message.reply(_answer(message.message))
            else:
                await probe.tell(message)

    actor: Actor = run
    return ChildSpec(name=name, actor=actor)
