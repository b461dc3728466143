"""The portfolio actor in a real tree under virtual time."""

from __future__ import annotations

from decimal import Decimal as D

import msgspec
import trio
import trio.testing

from actors.messages import (
    AccountOpened,
    GetPortfolio,
    LedgerSnapshot,
    PortfolioSnapshot,
    PortfolioUpdate,
    PositionUpdate,
    Quote,
    Side,
    Trade,
)
from actors.portfolio import PORTFOLIO_SUBSCRIPTIONS, History, Ledger, Record, portfolio_actor
from runtime import ChildSpec, Clock, MailboxReader, Policy, Subscribe, SupervisorSpec, open_tree

from ._fills import CLOSE, INSTRUMENTS, T0, fill


class Journal:
    """Stands in for the journal: the records it holds, handed back on every load."""

    def __init__(self, *records: Record) -> None:
        self.records = list(records)
        self.loads = 0

    async def load(self) -> History:
        self.loads += 1
        await trio.lowlevel.checkpoint()
        return History(records=list(self.records), seq=len(self.records))


def _tree(journal: Journal, publish_interval: float = 1.0) -> SupervisorSpec:
    actor = portfolio_actor(
        INSTRUMENTS, load_history=journal.load, publish_interval=publish_interval
    )
    return SupervisorSpec(
        name="root",
        children=(ChildSpec(name="portfolio", actor=actor, subscriptions=PORTFOLIO_SUBSCRIPTIONS),),
    )


def _quote(symbol: str, bid: str, ask: str) -> Quote:
    return Quote(symbol=symbol, ts=T0, bid=D(bid), ask=D(ask), bid_size=D(100), ask_size=D(100))


def _untimed(update: PositionUpdate) -> PositionUpdate:
    return msgspec.structs.replace(update, ts=0.0)


async def _nothing_within(probe: MailboxReader, seconds: float) -> bool:
    with trio.move_on_after(seconds):
        await probe.receive()
        return False
    return True


OPENED = AccountOpened(account="paper", cash=D(100_000), ts=T0)
E1 = fill("E1", "AAPL", Side.BUY, 100, "150.00", "1.00", strategy="trend")


async def test_rebuilds_books_fills_marks_and_answers(autojump_clock: object) -> None:
    journal = Journal(OPENED, E1)
    async with open_tree(_tree(journal), clock=Clock(origin=T0)) as tree:
        probe = tree.inbox("probe", Subscribe(PositionUpdate), Subscribe(PortfolioUpdate))
        portfolio = tree.ref("portfolio")
        # rebuilt from the journal before it was ready: 100 AAPL for 15000 + $1
        snap: PortfolioSnapshot = await portfolio.ask(GetPortfolio())
        assert (snap.portfolio.cash, snap.portfolio.equity) == (D("84999.00"), D("99999.00"))
        assert [(p.symbol, p.quantity) for p in snap.positions] == [("AAPL", D(100))]
        assert [p.strategy for p in snap.strategy_positions] == ["trend"]

        # a fill: the net position, the strategy's, then the account
        e2 = fill("E2", "MES", Side.BUY, 2, "5000.00", "1.24")
        await tree.registry.publish(e2)
        net, sub, update = [await probe.receive() for _ in range(3)]
        expected = PositionUpdate(
            account="paper",
            symbol="MES",
            quantity=D(2),
            average_price=D(5000),
            market_price=D("5000.00"),
            market_value=D(0),
            unrealized_pnl=D(0),
            realized_pnl=D(0),
            ts=0.0,
        )
        assert _untimed(net) == expected
        assert _untimed(sub) == msgspec.structs.replace(expected, strategy="manual")
        assert isinstance(update, PortfolioUpdate)
        assert (update.cash, update.equity, update.commissions) == (
            D("84997.76"),
            D("99997.76"),
            D("2.24"),
        )

        # a duplicate publishes nothing; the quote after it is the next thing out
        await tree.registry.publish(E1)
        await tree.registry.publish(_quote("AAPL", "159.98", "160.02"))
        aapl = await probe.receive()
        assert (aapl.symbol, aapl.market_price, aapl.market_value) == ("AAPL", D(160), D(16000))
        update = await probe.receive()
        assert update.equity == D("100997.76")  # 84997.76 + 100 × 160 + 0 for MES

        # a burst of ticks: one update per moved position, one for the account
        for cents in range(5):
            await tree.registry.publish(_quote("AAPL", f"161.0{cents}", f"161.0{cents}"))
        for price in ("5001.00", "5002.25"):
            await tree.registry.publish(Trade(symbol="MES", ts=T0, price=D(price), size=D(1)))
        burst = [await probe.receive() for _ in range(3)]
        assert [(type(m).__name__, getattr(m, "symbol", "")) for m in burst] == [
            ("PositionUpdate", "AAPL"),
            ("PositionUpdate", "MES"),
            ("PortfolioUpdate", ""),
        ]
        # 84997.76 + 100 × 161.04 + 2 × 5 × 2.25
        assert burst[2].equity == D("101124.26")
        # then, with nothing happening, the account at least once a second
        start = trio.current_time()
        assert isinstance(await probe.receive(), PortfolioUpdate)
        assert trio.current_time() - start == 1.0


async def test_a_restart_rebuilds_the_same_books(autojump_clock: object) -> None:
    journal = Journal(OPENED, E1)
    async with open_tree(_tree(journal), clock=Clock(origin=T0)) as tree:
        portfolio = tree.ref("portfolio")
        # the journal writes each fill before the broker session publishes it
        for f in (
            fill("E2", "MES", Side.SELL, 3, "5000.00", "1.86", strategy="carry"),
            fill("E3", "AAPL", Side.SELL, 40, "151.50", "0.40", strategy="trend"),
            fill("E4", "MES", Side.BUY, 1, "4990.25", "0.62", strategy="carry"),
        ):
            journal.records.append(f)
            await tree.registry.publish(f)
        await tree.registry.publish(_quote("AAPL", "152.00", "152.10"))
        before: PortfolioSnapshot = await portfolio.ask(GetPortfolio())
        assert before.portfolio.realized_pnl == D("108.75")  # 40 × 1.50 + 1 × 5 × 9.75

        # a fill for an instrument nobody defined crashes it; its supervisor restarts it
        await tree.registry.publish(fill("E5", "ZZZ", Side.BUY, 1, "1.00"))
        await trio.testing.wait_all_tasks_blocked()
        after: PortfolioSnapshot = await portfolio.ask(GetPortfolio())
        assert journal.loads == 2

        def books(snap: PortfolioSnapshot) -> list[tuple[object, ...]]:
            every = snap.positions + snap.strategy_positions
            return [
                (p.strategy, p.symbol, p.quantity, p.average_price, p.realized_pnl) for p in every
            ]

        assert books(after) == books(before)
        assert after.portfolio.cash == before.portfolio.cash
        # the marks came back with the market
        await tree.registry.publish(_quote("AAPL", "152.00", "152.10"))
        again: PortfolioSnapshot = await portfolio.ask(GetPortfolio())
        assert again.portfolio.equity == before.portfolio.equity


async def test_the_day_rolls_at_the_session_close(autojump_clock: object) -> None:
    journal = Journal(OPENED, E1)
    async with open_tree(_tree(journal, publish_interval=60.0), clock=Clock(origin=T0)) as tree:
        probe = tree.inbox(
            "probe",
            Subscribe(LedgerSnapshot),
            Subscribe(PortfolioUpdate, Policy.CONFLATE, key=type),
        )
        await tree.registry.publish(_quote("AAPL", "151.00", "151.00"))
        update = await probe.receive()
        assert update.daily_pnl == D(99)  # +100 on the mark, -1 commission
        await trio.sleep(CLOSE - T0 - 1)
        assert isinstance(await probe.receive(), PortfolioUpdate)
        snapshot = await probe.receive()
        assert isinstance(snapshot, LedgerSnapshot)
        assert trio.current_time() == CLOSE - T0
        assert snapshot.ts == CLOSE
        assert snapshot.day_start_equity == D("100099.00")
        assert snapshot.session_close == CLOSE + 86400
        update = await probe.receive()
        assert (update.daily_pnl, update.total_pnl) == (D(0), D(99))


async def test_rebuilds_from_a_ledger_snapshot_and_the_fills_after_it(
    autojump_clock: object,
) -> None:
    ledger = Ledger("paper")
    ledger.open(D(100_000), T0)
    ledger.apply_fill(E1, INSTRUMENTS["AAPL"])
    e2 = fill("E2", "AAPL", Side.SELL, 30, "152.00", "0.30", strategy="trend")
    # the journal hands back the snapshot, then fills from before it (skipped) and after it
    journal = Journal(OPENED, ledger.snapshot(T0), E1, e2)
    ledger.apply_fill(e2, INSTRUMENTS["AAPL"])
    async with open_tree(_tree(journal), clock=Clock(origin=T0)) as tree:
        snap: PortfolioSnapshot = await tree.ref("portfolio").ask(GetPortfolio())
    assert snap.portfolio == ledger.portfolio(snap.portfolio.ts)
    assert snap.positions == tuple(ledger.positions(snap.portfolio.ts))


async def test_several_accounts_add_up(autojump_clock: object) -> None:
    journal = Journal(
        OPENED,
        AccountOpened(account="ib", cash=D(50_000), ts=T0),
        E1,
        fill("I1", "MES", Side.SELL, 1, "5000.00", "0.62", account="ib"),
    )
    async with open_tree(_tree(journal), clock=Clock(origin=T0)) as tree:
        probe = tree.inbox("probe", Subscribe(PositionUpdate), Subscribe(PortfolioUpdate))
        await tree.registry.publish(Trade(symbol="MES", ts=T0, price=D("4990.00"), size=D(1)))
        mes = await probe.receive()
        # short 1 MES from 5000 at 4990: +50 for the ib account only
        assert (mes.account, mes.symbol, mes.market_value) == ("ib", "MES", D(50))
        update = await probe.receive()
        snap: PortfolioSnapshot = await tree.ref("portfolio").ask(GetPortfolio())
    # paper 84999 + 15000; ib 50000 - 0.62 + 50
    assert (update.cash, update.equity) == (D("134998.38"), D("150048.38"))
    assert (update.position_count, update.peak_equity) == (2, D("150049.38"))
    assert update.drawdown == D(1)  # paper's $1 commission; ib is at its peak
    assert [(p.account, p.symbol) for p in snap.positions] == [("paper", "AAPL"), ("ib", "MES")]
