"""The supervisor's OTP semantics, observed through real actors in virtual time."""

from __future__ import annotations

import itertools

import pytest
import trio
import trio.testing

from runtime import (
    ActorContext,
    ActorCrashed,
    ActorEvent,
    ActorRestarting,
    ActorStarted,
    ActorStatus,
    ActorStopped,
    Backoff,
    ChildSpec,
    Request,
    Restart,
    Strategy,
    Subscribe,
    SupervisorEscalated,
    SupervisorGaveUpEvent,
    SupervisorSpec,
    TaskStatus,
    open_tree,
)
from runtime.errors import ActorUnavailable, SupervisorGaveUp

from ._actors import Crash, Exit, Lifelog, Note, Query, sleeper, worker

NO_JITTER = Backoff(initial=0.5, multiplier=2.0, max=4.0, jitter=0.0, reset_after=60.0)


def _group(
    log: Lifelog,
    strategy: Strategy,
    names: str = "abcd",
    *,
    intensity: int = 10,
    period: float = 5.0,
    restart: dict[str, Restart] | None = None,
) -> SupervisorSpec:
    restart = restart or {}
    return SupervisorSpec(
        name="root",
        strategy=strategy,
        intensity=intensity,
        period=period,
        backoff=NO_JITTER,
        children=tuple(
            ChildSpec(name=n, actor=worker(log), restart=restart.get(n, Restart.PERMANENT))
            for n in names
        ),
    )


async def _settle() -> None:
    """Let every task run until all are blocked (restarts take no virtual time)."""
    await trio.testing.wait_all_tasks_blocked()


# -- which children restart, and in which order ------------------------------------


async def test_one_for_one_restarts_only_the_failed_child(autojump_clock: object) -> None:
    log = Lifelog()
    async with open_tree(_group(log, Strategy.ONE_FOR_ONE)) as tree:
        await tree.ref("a").tell(Note(n=1))
        await tree.ref("c").tell(Note(n=7))
        await _settle()
        del log.entries[:]
        await tree.ref("b").tell(Crash())
        await _settle()
        assert log.events("start", "stop") == [("stop", "b"), ("start", "b")]
        # the siblings kept their incarnation and their state
        assert await tree.ref("a").ask(Query()) == (1,)
        assert await tree.ref("c").ask(Query()) == (7,)
        incarnations = {info.name: info.incarnation for info in tree.actors()}
        assert incarnations["a"] == 1
        assert incarnations["b"] == 2
        assert incarnations["c"] == 1


async def test_one_for_all_restarts_everyone_in_order(autojump_clock: object) -> None:
    log = Lifelog()
    async with open_tree(_group(log, Strategy.ONE_FOR_ALL)) as tree:
        await _settle()
        del log.entries[:]
        await tree.ref("b").tell(Crash())
        await _settle()
        assert log.events("start", "stop") == [
            ("stop", "b"),
            ("stop", "d"),
            ("stop", "c"),
            ("stop", "a"),
            ("start", "a"),
            ("start", "b"),
            ("start", "c"),
            ("start", "d"),
        ]


async def test_rest_for_one_restarts_the_failed_and_later_children(autojump_clock: object) -> None:
    log = Lifelog()
    async with open_tree(_group(log, Strategy.REST_FOR_ONE)) as tree:
        await _settle()
        del log.entries[:]
        await tree.ref("b").tell(Crash())
        await _settle()
        assert log.events("start", "stop") == [
            ("stop", "b"),
            ("stop", "d"),
            ("stop", "c"),
            ("start", "b"),
            ("start", "c"),
            ("start", "d"),
        ]


async def test_children_start_in_order_each_ready_before_the_next(autojump_clock: object) -> None:
    log = Lifelog()
    spec = SupervisorSpec(
        name="root",
        children=(
            ChildSpec(name="slow", actor=sleeper(log, ready_after=3.0)),
            ChildSpec(name="next", actor=sleeper(log)),
        ),
    )
    t0 = trio.current_time()
    async with open_tree(spec):
        assert log.times("start", "slow") == [t0]
        assert log.times("start", "next") == [t0 + 3.0]


async def test_shutdown_stops_children_in_reverse_start_order(autojump_clock: object) -> None:
    log = Lifelog()
    inner = SupervisorSpec(
        name="inner",
        children=(ChildSpec(name="x", actor=worker(log)), ChildSpec(name="y", actor=worker(log))),
    )
    spec = SupervisorSpec(
        name="root",
        children=(
            ChildSpec(name="a", actor=worker(log)),
            inner,
            ChildSpec(name="b", actor=worker(log)),
        ),
    )
    async with open_tree(spec):
        await _settle()
    assert log.events("start") == [("start", n) for n in ("a", "x", "y", "b")]
    assert log.events("stop") == [("stop", n) for n in ("b", "y", "x", "a")]


async def test_shutdown_is_bounded_per_child(autojump_clock: object) -> None:
    log = Lifelog()
    spec = SupervisorSpec(
        name="root",
        children=(
            ChildSpec(name="first", actor=sleeper(log)),
            ChildSpec(name="stuck", actor=sleeper(log, cleanup=10.0), shutdown_timeout=2.0),
        ),
    )
    async with open_tree(spec) as tree:
        probe = tree.inbox("probe", Subscribe(ActorStopped))
        t0 = trio.current_time()
    stopped = [probe.receive_nowait(), probe.receive_nowait()]
    assert [(e.actor, e.overran_shutdown) for e in stopped] == [("stuck", True), ("first", False)]
    # the supervisor gave up waiting on "stuck" after 2 s and went on with "first";
    # trio cannot kill a task, so the tree itself ended when the shielded cleanup did
    assert log.times("stop", "first") == [t0 + 2.0]
    assert log.times("stop", "stuck") == [t0 + 10.0]


# -- restart types -------------------------------------------------------------------


async def test_restart_types(autojump_clock: object) -> None:
    log = Lifelog()
    kinds = {"p": Restart.PERMANENT, "t": Restart.TRANSIENT, "m": Restart.TEMPORARY}
    spec = _group(log, Strategy.ONE_FOR_ONE, "ptm", restart=kinds)
    async with open_tree(spec) as tree:
        for name in "ptm":
            await tree.ref(name).tell(Exit())
        await _settle()
        # a permanent child comes back even after a normal exit; the others do not
        assert (log.starts("p"), log.starts("t"), log.starts("m")) == (2, 1, 1)
        # a retired child's mailbox is closed: senders fail fast instead of waiting
        with pytest.raises(ActorUnavailable, match="'t' is unavailable"):
            await tree.ref("t").tell(Note(n=1))

    log = Lifelog()
    async with open_tree(_group(log, Strategy.ONE_FOR_ONE, "ptm", restart=kinds)) as tree:
        for name in "ptm":
            await tree.ref(name).tell(Crash())
        await _settle()
        assert (log.starts("p"), log.starts("t"), log.starts("m")) == (2, 2, 1)
        with pytest.raises(ActorUnavailable, match="'m' is unavailable: its mailbox is closed"):
            await tree.ref("m").tell(Note(n=1))


async def test_temporary_sibling_is_not_restarted_by_a_group_restart(
    autojump_clock: object,
) -> None:
    log = Lifelog()
    spec = _group(log, Strategy.ONE_FOR_ALL, "abc", restart={"c": Restart.TEMPORARY})
    async with open_tree(spec) as tree:
        await tree.ref("a").tell(Crash())
        await _settle()
        assert (log.starts("a"), log.starts("b"), log.starts("c")) == (2, 2, 1)
        statuses = {info.name: info.status for info in tree.actors()}
        assert statuses["c"] is ActorStatus.STOPPED


# -- intensity and escalation ----------------------------------------------------------


async def test_intensity_exceeded_gives_up_stops_in_reverse_and_escalates(
    autojump_clock: object,
) -> None:
    log = Lifelog()
    spec = _group(log, Strategy.ONE_FOR_ONE, "abc", intensity=2, period=10.0)
    probes = []

    async def crash_b_three_times() -> None:
        async with open_tree(spec) as tree:
            probes.append(tree.inbox("probe", Subscribe(ActorEvent)))
            for _ in range(3):
                await tree.ref("b").tell(Crash())
                await trio.sleep(1.0)
            await trio.sleep_forever()

    with pytest.raises(SupervisorGaveUp, match="more than 2 restarts within 10 s") as caught:
        await crash_b_three_times()
    (probe,) = probes
    assert "b: RuntimeError: b crashed" in str(caught.value)
    assert log.starts("b") == 3  # two restarts allowed, the third crash gave up
    assert log.events("stop")[-3:] == [("stop", "b"), ("stop", "c"), ("stop", "a")]
    events = []
    while True:
        try:
            events.append(probe.receive_nowait())
        except trio.WouldBlock:
            break
    gave_up = [e for e in events if isinstance(e, SupervisorGaveUpEvent)]
    escalated = [e for e in events if isinstance(e, SupervisorEscalated)]
    assert [(e.actor, e.restarts, e.period) for e in gave_up] == [("root", 2, 10.0)]
    assert [e.actor for e in escalated] == ["root"]


async def test_crashes_spread_beyond_the_period_do_not_give_up(autojump_clock: object) -> None:
    log = Lifelog()
    spec = _group(log, Strategy.ONE_FOR_ONE, "ab", intensity=1, period=5.0)
    async with open_tree(spec) as tree:
        for _ in range(4):
            await tree.ref("a").tell(Crash())
            await trio.sleep(5.5)
        assert log.starts("a") == 5


async def test_a_nested_supervisor_that_gives_up_is_restarted_by_its_parent(
    autojump_clock: object,
) -> None:
    log = Lifelog()
    inner = SupervisorSpec(
        name="inner",
        intensity=0,
        children=(ChildSpec(name="x", actor=worker(log)), ChildSpec(name="y", actor=worker(log))),
    )
    for strategy, sibling_starts in ((Strategy.ONE_FOR_ONE, 1), (Strategy.ONE_FOR_ALL, 2)):
        log.entries.clear()
        spec = SupervisorSpec(
            name="root",
            strategy=strategy,
            children=(ChildSpec(name="s", actor=worker(log)), inner),
        )
        async with open_tree(spec) as tree:
            probe = tree.inbox("probe", Subscribe(ActorCrashed))
            await tree.ref("x").tell(Crash())
            await _settle()
            # inner allows no restart: it gives up, stopping y then x, and the root
            # applies its own strategy to the failed "inner"
            assert (log.starts("x"), log.starts("y")) == (2, 2)
            assert log.starts("s") == sibling_starts
            crashed = [probe.receive_nowait(), probe.receive_nowait()]
            assert [(e.actor, e.error_type) for e in crashed] == [
                ("x", "RuntimeError"),
                ("inner", "SupervisorGaveUp"),
            ]


# -- backoff and classification ----------------------------------------------------------


async def test_transient_failures_back_off_exponentially_in_virtual_time(
    autojump_clock: object,
) -> None:
    log = Lifelog()
    spec = SupervisorSpec(
        name="root",
        intensity=0,  # transient failures are not counted: no give-up
        backoff=NO_JITTER,
        children=(ChildSpec(name="a", actor=worker(log, fail_starts=5, transient_start=True)),),
    )
    t0 = trio.current_time()
    async with open_tree(spec):
        starts = [t - t0 for t in log.times("start", "a")]
    # failed starts at 0, then waits of 0.5, 1, 2, 4 and 4 (capped): ready at 11.5
    assert starts == [0.0, 0.5, 1.5, 3.5, 7.5, 11.5]


async def test_backoff_resets_after_a_stable_period(autojump_clock: object) -> None:
    log = Lifelog()
    spec = SupervisorSpec(
        name="root",
        backoff=Backoff(initial=1.0, multiplier=2.0, max=30.0, jitter=0.0, reset_after=10.0),
        children=(ChildSpec(name="a", actor=worker(log)),),
    )
    async with open_tree(spec) as tree:
        t0 = trio.current_time()
        await tree.ref("a").tell(Crash(transient=True))
        await trio.sleep(1.5)  # restarted at 1, crashes again soon: next wait is 2
        await tree.ref("a").tell(Crash(transient=True))
        await trio.sleep(2.5)  # restarted at 3.5
        await trio.sleep(10.0)  # stable for more than reset_after
        await tree.ref("a").tell(Crash(transient=True))
        await trio.sleep(1.5)
        starts = [t - t0 for t in log.times("start", "a")[1:]]
    assert starts == [1.0, 3.5, 15.0]


async def test_jitter_is_bounded_and_reproducible_from_the_seed(autojump_clock: object) -> None:
    async def delays(seed: int) -> list[float]:
        log = Lifelog()
        spec = SupervisorSpec(
            name="root",
            backoff=Backoff(initial=1.0, multiplier=2.0, max=8.0, jitter=0.25),
            children=(ChildSpec(name="a", actor=worker(log, fail_starts=4, transient_start=True)),),
        )
        async with open_tree(spec, seed=seed):
            times = log.times("start", "a")
        return [round(b - a, 9) for a, b in itertools.pairwise(times)]

    first, again, other = await delays(1), await delays(1), await delays(2)
    assert first == again
    assert first != other
    for delay, base in zip(first, [1.0, 2.0, 4.0, 8.0], strict=True):
        assert base * 0.75 <= delay <= base * 1.25


async def test_a_group_of_transient_errors_is_transient_a_mixed_group_is_not(
    autojump_clock: object,
) -> None:
    def nursery_actor(errors: list[Exception], log: Lifelog) -> ChildSpec:
        """Its first incarnation fails with ``errors`` from an inner nursery (a group)."""

        async def run(ctx: ActorContext, task_status: TaskStatus) -> None:
            log.record("start", ctx.name, ctx.incarnation)
            task_status.started()
            if ctx.incarnation > 1:
                await trio.sleep_forever()

            async def fail(error: Exception) -> None:
                raise error

            async with trio.open_nursery() as nursery:
                for error in errors:
                    nursery.start_soon(fail, error)

        return ChildSpec(name="n", actor=run)

    for errors, transient in (
        ([ConnectionResetError("reset"), trio.TooSlowError()], True),
        ([ConnectionResetError("reset"), KeyError("bug")], False),
    ):
        log = Lifelog()
        child = nursery_actor(errors, log)
        spec = SupervisorSpec(name="root", backoff=NO_JITTER, children=(child,))
        async with open_tree(spec) as tree:
            probe = tree.inbox("probe", Subscribe(ActorCrashed), Subscribe(ActorRestarting))
            await trio.sleep(1.0)
            crashed, restarting = probe.receive_nowait(), probe.receive_nowait()
        assert isinstance(crashed, ActorCrashed)
        assert crashed.transient is transient
        assert isinstance(restarting, ActorRestarting)
        assert restarting.delay == (0.5 if transient else 0.0)


async def test_a_sibling_restarts_at_once_while_another_waits_out_its_backoff(
    autojump_clock: object,
) -> None:
    log = Lifelog()
    spec = SupervisorSpec(
        name="root",
        backoff=Backoff(initial=20.0, max=20.0, jitter=0.0),
        children=(ChildSpec(name="a", actor=worker(log)), ChildSpec(name="b", actor=worker(log))),
    )
    async with open_tree(spec) as tree:
        t0 = trio.current_time()
        await tree.ref("a").tell(Crash(transient=True))
        await trio.sleep(1.0)
        assert tree.ref("a").status is ActorStatus.RESTARTING
        await tree.ref("b").tell(Crash())
        await _settle()
        assert log.times("start", "b")[-1] == t0 + 1.0
        await trio.sleep(20.0)
        assert log.times("start", "a")[-1] == t0 + 20.0


async def test_a_failed_start_is_retried_before_later_children_start(
    autojump_clock: object,
) -> None:
    log = Lifelog()
    spec = SupervisorSpec(
        name="root",
        backoff=NO_JITTER,
        children=(
            ChildSpec(name="a", actor=worker(log, fail_starts=2, transient_start=True)),
            ChildSpec(name="b", actor=worker(log)),
        ),
    )
    t0 = trio.current_time()
    async with open_tree(spec):
        assert [t - t0 for t in log.times("start", "a")] == [0.0, 0.5, 1.5]
        assert log.times("start", "b") == [t0 + 1.5]


async def test_start_timeout_counts_as_a_transient_failure(autojump_clock: object) -> None:
    log = Lifelog()

    async def slow_first_time(ctx: ActorContext, task_status: TaskStatus) -> None:
        log.record("start", ctx.name, ctx.incarnation)
        if ctx.incarnation == 1:
            await trio.sleep(5.0)
        task_status.started()
        await trio.sleep_forever()

    spec = SupervisorSpec(
        name="root",
        backoff=NO_JITTER,
        children=(ChildSpec(name="a", actor=slow_first_time, start_timeout=2.0),),
    )
    t0 = trio.current_time()
    async with open_tree(spec) as tree:
        # not ready within 2 s: stopped, counted as a timeout, restarted after 0.5 s
        assert [t - t0 for t in log.times("start", "a")] == [0.0, 2.5]
        assert tree.ref("a").status is ActorStatus.RUNNING
        assert "did not become ready within 2 s" in tree.actors()[1].last_error


# -- events ------------------------------------------------------------------------------


async def test_every_start_crash_restart_and_stop_is_published(autojump_clock: object) -> None:
    log = Lifelog()
    async with open_tree(_group(log, Strategy.ONE_FOR_ONE, "ab")) as tree:
        probe = tree.inbox("probe", Subscribe(ActorEvent))
        await tree.ref("a").tell(Crash())
        await _settle()
    events = []
    while True:
        try:
            events.append(probe.receive_nowait())
        except trio.WouldBlock:
            break
    kinds = [(type(e).__name__, e.actor) for e in events]
    assert kinds == [
        ("ActorCrashed", "a"),
        ("ActorRestarting", "a"),
        ("ActorStarted", "a"),
        ("ActorStopped", "b"),
        ("ActorStopped", "a"),
    ]
    crashed = events[0]
    assert isinstance(crashed, ActorCrashed)
    assert (crashed.error_type, crashed.error, crashed.incarnation) == (
        "RuntimeError",
        "a crashed",
        1,
    )
    started = events[2]
    assert isinstance(started, ActorStarted)
    assert started.incarnation == 2


async def test_a_crash_while_being_stopped_stays_inside_the_tree() -> None:
    """An actor with its own nursery failing as its supervisor stops it.

    ``a`` crashes while ``c`` asks it something; rest_for_one then stops
    ``sup`` (and ``c``) while ``c``'s ask fails with AskInterrupted, so trio
    raises a group of Cancelled and that error. It must count as the stop it
    is, never escape the tree.
    """
    crashed: list[int] = []

    async def a(ctx: ActorContext, task_status: TaskStatus) -> None:
        task_status.started()
        async for message in ctx.mailbox:
            if isinstance(message, Request):
                if not crashed:
                    crashed.append(1)
                    raise RuntimeError("a crashes while answering")
                message.reply("ok")

    async def c(ctx: ActorContext, task_status: TaskStatus) -> None:
        task_status.started()
        async with trio.open_nursery() as nursery:
            nursery.start_soon(trio.sleep_forever)
            await trio.sleep(1)
            await ctx.ref("a").ask("hello", timeout=5)

    spec = SupervisorSpec(
        name="root",
        strategy=Strategy.REST_FOR_ONE,
        children=(
            ChildSpec(name="a", actor=a),
            SupervisorSpec(name="sup", children=(ChildSpec(name="c", actor=c),)),
        ),
    )
    async with open_tree(spec) as tree:
        await trio.sleep(3)
        statuses = {info.name: info.status for info in tree.actors()}
    assert crashed == [1]
    assert statuses["a"] is ActorStatus.RUNNING
    assert statuses["c"] is ActorStatus.RUNNING
