"""Addressing by name: tell, ask (never a hang), publish and subscribe by type."""

from __future__ import annotations

import pytest
import trio
import trio.testing

from runtime import (
    ActorContext,
    ActorStatus,
    Backoff,
    ChildSpec,
    Message,
    Policy,
    Request,
    Restart,
    Subscribe,
    SupervisorSpec,
    TaskStatus,
    current_context,
    open_tree,
)
from runtime.errors import (
    ActorUnavailable,
    AskInterrupted,
    AskTimeout,
    DuplicateActorName,
    SubscriptionConflict,
)

from ._actors import Crash, Exit, Lifelog, Note, Query, worker


class Work(Message, frozen=True, tag="work"):
    seconds: float
    crash: bool = False


class Base(Message, frozen=True, tag="base"):
    pass


class Derived(Base, frozen=True, tag="derived"):
    pass


async def _server(ctx: ActorContext, task_status: TaskStatus) -> None:
    """Answers Work after ``seconds``, or crashes while handling it."""
    task_status.started()
    async for request in ctx.mailbox:
        assert isinstance(request, Request)
        work = request.message
        await trio.sleep(work.seconds)
        if work.crash:
            raise RuntimeError("crashed while handling a request")
        request.reply(f"done in {work.seconds:g}")


def _tree(**child: object) -> SupervisorSpec:
    return SupervisorSpec(
        name="root",
        backoff=Backoff(initial=10.0, jitter=0.0),
        children=(ChildSpec(name="server", actor=_server, **child),),  # type: ignore[arg-type]
    )


async def test_ask_gets_the_answer(autojump_clock: object) -> None:
    async with open_tree(_tree()) as tree:
        assert await tree.ref("server").ask(Work(seconds=1.0)) == "done in 1"


async def test_ask_times_out_naming_the_callee(autojump_clock: object) -> None:
    async with open_tree(_tree()) as tree:
        t0 = trio.current_time()
        with pytest.raises(AskTimeout, match="'server' did not answer Work within 2 s"):
            await tree.ref("server").ask(Work(seconds=30.0), timeout=2.0)
        assert trio.current_time() - t0 == 2.0


async def test_ask_fails_at_once_when_the_callee_crashes_meanwhile(
    autojump_clock: object,
) -> None:
    async with open_tree(_tree()) as tree:
        t0 = trio.current_time()
        with pytest.raises(AskInterrupted, match="'server' is unavailable: incarnation 1 ended"):
            await tree.ref("server").ask(Work(seconds=1.0, crash=True), timeout=60.0)
        assert trio.current_time() - t0 == 1.0


async def test_ask_to_a_restarting_or_retired_actor_fails_fast(autojump_clock: object) -> None:
    log = Lifelog()
    spec = SupervisorSpec(
        name="root",
        backoff=Backoff(initial=10.0, jitter=0.0),
        children=(
            ChildSpec(name="flaky", actor=worker(log)),
            ChildSpec(name="once", actor=worker(log), restart=Restart.TEMPORARY),
        ),
    )
    async with open_tree(spec) as tree:
        await tree.ref("flaky").tell(Crash(transient=True))
        await tree.ref("once").tell(Exit())
        await trio.testing.wait_all_tasks_blocked()
        t0 = trio.current_time()
        with pytest.raises(ActorUnavailable, match="'flaky' is unavailable: it is restarting"):
            await tree.ref("flaky").ask(Query())
        with pytest.raises(ActorUnavailable, match="'once' is unavailable: it is stopped"):
            await tree.ref("once").ask(Query())
        with pytest.raises(ActorUnavailable, match="'ghost' is unavailable: no actor has that"):
            await tree.ref("ghost").ask(Query())
        assert trio.current_time() == t0
        # a tell to the restarting actor is kept for its next incarnation
        await tree.ref("flaky").tell(Note(n=5))
        await trio.sleep(11.0)  # the backoff was 10 s
        assert tree.ref("flaky").status is ActorStatus.RUNNING
        assert await tree.ref("flaky").ask(Query()) == (5,)


async def test_an_ask_still_queued_when_the_callee_crashes_is_not_served_later(
    autojump_clock: object,
) -> None:
    async with open_tree(_tree()) as tree:
        server = tree.ref("server")
        outcomes: list[str] = []

        async def ask(work: Work) -> None:
            try:
                outcomes.append(await server.ask(work, timeout=60.0))
            except AskInterrupted:
                outcomes.append("interrupted")

        async with trio.open_nursery() as nursery:
            nursery.start_soon(ask, Work(seconds=1.0, crash=True))
            await trio.testing.wait_all_tasks_blocked()
            nursery.start_soon(ask, Work(seconds=0.0))
        # both asks were outstanding to incarnation 1; neither hangs, neither is served twice
        assert outcomes == ["interrupted", "interrupted"]
        await trio.testing.wait_all_tasks_blocked()  # the restart is done
        assert await server.ask(Work(seconds=0.0)) == "done in 0"


async def test_publish_reaches_subscribers_of_the_type_and_its_bases(
    autojump_clock: object,
) -> None:
    async with open_tree(_tree()) as tree:
        base = tree.inbox("base", Subscribe(Base))
        derived = tree.inbox("derived", Subscribe(Derived, Policy.DROP_OLDEST, capacity=4))
        await tree.registry.publish(Base())
        await tree.registry.publish(Derived())
        assert [type(base.receive_nowait()), type(base.receive_nowait())] == [Base, Derived]
        assert type(derived.receive_nowait()) is Derived
        with pytest.raises(trio.WouldBlock):
            derived.receive_nowait()


async def test_registry_refuses_duplicates_and_conflicting_subscriptions(
    autojump_clock: object,
) -> None:
    async with open_tree(_tree()) as tree:
        tree.inbox("probe", Subscribe(Base))
        with pytest.raises(DuplicateActorName, match="'probe' is already registered"):
            tree.inbox("probe")
        mailbox = tree.registry.entry("probe").mailbox
        assert mailbox is not None
        with pytest.raises(SubscriptionConflict, match="already subscribes to Base as block"):
            tree.registry.subscribe(mailbox, Base, Policy.DROP_OLDEST)


async def test_current_context_is_the_running_actors_own() -> None:
    seen: list[tuple[str, int]] = []

    async def probe(ctx: ActorContext, task_status: TaskStatus) -> None:
        async def child_task() -> None:
            current = current_context()
            seen.append((current.name, current.incarnation))

        async with trio.open_nursery() as nursery:
            nursery.start_soon(child_task)
        task_status.started()
        await trio.sleep_forever()

    spec = SupervisorSpec(name="root", children=(ChildSpec(name="probe", actor=probe),))
    async with open_tree(spec):
        assert seen == [("probe", 1)]
    with pytest.raises(RuntimeError, match="outside an actor"):
        current_context()
