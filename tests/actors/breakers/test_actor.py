"""The breakers actor in a tree, in virtual time: what it publishes, answers and keeps."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import trio
import trio.testing

from actors.breakers import (
    BREAKERS,
    BreakerConfig,
    BreakerSnapshot,
    breakers_actor,
    breakers_subscriptions,
)
from actors.messages import (
    Alert,
    AlertSeverity,
    BreakerState,
    BreakerStatus,
    BreakerUpdate,
    GetBreakers,
    ResetBreaker,
    ResetResult,
    SessionCalendar,
    TradingState,
    TradingStateChanged,
    TripBreaker,
)
from runtime import (
    ActorContext,
    ChildSpec,
    Clock,
    Strategy,
    Subscribe,
    SupervisorSpec,
    TaskStatus,
    Tree,
    open_tree,
)

from ._make import portfolio

T0 = 1_767_261_600.0  # 2026-01-01 05:00 New York
CALENDAR = SessionCalendar()


class Store:
    """The journal's part, in memory: the last snapshot saved."""

    def __init__(self) -> None:
        self.snapshot: BreakerSnapshot | None = None
        self.saves = 0

    async def save(self, snapshot: BreakerSnapshot) -> None:
        self.snapshot = snapshot
        self.saves += 1

    async def load(self) -> BreakerSnapshot | None:
        return self.snapshot


Heard = BreakerUpdate | TradingStateChanged | Alert


def _recorder(send: trio.MemorySendChannel[Heard]) -> object:
    """Started before the breakers, so it hears what they announce at their start."""

    async def run(ctx: ActorContext, task_status: TaskStatus) -> None:
        task_status.started()
        async for message in ctx.mailbox:
            await send.send(message)

    return run


@asynccontextmanager
async def _tree(store: Store) -> AsyncIterator[tuple[Tree, trio.MemoryReceiveChannel[Heard]]]:
    send, receive = trio.open_memory_channel[Heard](100)
    spec = SupervisorSpec(
        name="root",
        strategy=Strategy.REST_FOR_ONE,
        children=(
            ChildSpec(
                name="recorder",
                actor=_recorder(send),  # type: ignore[arg-type]
                subscriptions=(
                    Subscribe(BreakerUpdate),
                    Subscribe(TradingStateChanged),
                    Subscribe(Alert),
                ),
            ),
            ChildSpec(
                name=BREAKERS,
                actor=breakers_actor(
                    BreakerConfig(), save=store.save, load=store.load, calendar=CALENDAR
                ),
                subscriptions=breakers_subscriptions(),
            ),
        ),
    )
    async with open_tree(spec, seed=3, clock=Clock(origin=T0)) as tree:
        yield tree, receive


async def _next(heard: trio.MemoryReceiveChannel[Heard]) -> Heard:
    with trio.fail_after(1):
        return await heard.receive()


async def test_a_trip_publishes_update_state_and_alert_and_is_latched(
    autojump_clock: trio.testing.MockClock,
) -> None:
    store = Store()
    async with _tree(store) as (tree, heard):
        start = await _next(heard)
        assert start == TradingStateChanged(
            state=TradingState.ACTIVE, previous=TradingState.ACTIVE, tripped=(), ts=T0
        )
        await tree.registry.publish(portfolio("89000", peak="100000", ts=tree.clock.time()))
        update, alert, changed = [await _next(heard) for _ in range(3)]
        assert isinstance(update, BreakerUpdate)
        assert (update.name, update.state) == ("drawdown", BreakerState.TRIPPED)
        assert isinstance(alert, Alert)
        assert alert.severity is AlertSeverity.CRITICAL
        assert isinstance(changed, TradingStateChanged)
        assert changed.state is TradingState.HALTED

        ref = tree.ref(BREAKERS)
        status = await ref.ask(GetBreakers())
        assert isinstance(status, BreakerStatus)
        (view,) = [v for v in status.breakers if v.name == "drawdown"]
        assert view.reset_code is not None
        assert "reset_code" not in alert.data
        assert store.snapshot is not None
        assert [latch.name for latch in store.snapshot.latches] == ["drawdown"]

        refused = await ref.ask(ResetBreaker(name="drawdown", code="wrong"))
        assert refused == ResetResult(
            name="drawdown",
            reset=False,
            reason="wrong reset code for breaker 'drawdown'",
            state=TradingState.HALTED,
            ts=tree.clock.time(),
        )
        done = await ref.ask(ResetBreaker(name="drawdown", code=view.reset_code or ""))
        assert isinstance(done, ResetResult)
        assert done.reset
        reset, _info, relaxed = [await _next(heard) for _ in range(3)]
        assert isinstance(reset, BreakerUpdate)
        assert reset.state is BreakerState.OK
        assert isinstance(relaxed, TradingStateChanged)
        assert relaxed.state is TradingState.ACTIVE


async def test_a_restart_keeps_the_latch_and_announces_it(
    autojump_clock: trio.testing.MockClock,
) -> None:
    store = Store()
    async with _tree(store) as (tree, heard):
        await _next(heard)
        await tree.ref(BREAKERS).tell(TripBreaker(name="manual", reason="maintenance"))
        for _ in range(3):
            await _next(heard)
        code = (await tree.ref(BREAKERS).ask(GetBreakers())).breakers
    (manual,) = [v for v in code if v.name == "manual"]
    async with _tree(store) as (tree, heard):
        latched = await _next(heard)
        assert isinstance(latched, BreakerUpdate)
        assert (latched.name, latched.state, latched.reason) == (
            "manual",
            BreakerState.TRIPPED,
            "maintenance",
        )
        announced = await _next(heard)
        assert isinstance(announced, TradingStateChanged)
        assert announced.state is TradingState.HALTED
        assert announced.tripped == ("manual",)
        status = await tree.ref(BREAKERS).ask(GetBreakers())
        (again,) = [v for v in status.breakers if v.name == "manual"]
        assert again.reset_code == manual.reset_code


async def test_the_daily_loss_resets_itself_at_the_session_close_in_virtual_time(
    autojump_clock: trio.testing.MockClock,
) -> None:
    store = Store()
    async with _tree(store) as (tree, heard):
        await _next(heard)
        await tree.registry.publish(portfolio("96000", daily_pnl="-4000", ts=tree.clock.time()))
        for _ in range(3):
            await _next(heard)
        close = CALENDAR.session_close(T0)
        with trio.fail_after(close - T0 + 1):
            reset = await heard.receive()
        assert isinstance(reset, BreakerUpdate)
        assert (reset.name, reset.state, reset.reason) == (
            "daily_loss",
            BreakerState.OK,
            "reset at the session close",
        )
        assert tree.clock.time() == close
        await _next(heard)  # the info alert
        relaxed = await _next(heard)
        assert isinstance(relaxed, TradingStateChanged)
        assert relaxed.state is TradingState.ACTIVE
        assert store.snapshot is not None
        assert store.snapshot.latches == ()
