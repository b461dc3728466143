"""The supervisor: starts children in order, restarts what fails, gives up in time.

A supervisor is one task that owns one nursery. Each child incarnation runs
in a small runner task with its own cancel scope and ``done`` event; the
runner catches ``Exception`` only (never ``Cancelled`` or
``KeyboardInterrupt``) and reports the outcome on the supervisor's exit
channel. A child the supervisor stopped on purpose reports nothing.

Restart rules (Erlang/OTP, adapted to a trading daemon):

* which children: ``one_for_one`` the failed one; ``one_for_all`` every running
  child; ``rest_for_one`` the failed one and the running children after it.
  The group is stopped in reverse start order and started again in order.
* whether: ``permanent`` always, ``transient`` after a crash, ``temporary``
  never (not even in a group restart).
* when: a transient failure (see :func:`runtime.is_transient`) waits an
  exponential backoff with seeded jitter and is not counted; any other
  failure, or a normal exit of a permanent child, restarts at once and counts
  toward the intensity. More than ``intensity`` counted restarts within
  ``period`` seconds: stop every child in reverse order and raise
  ``SupervisorGaveUp`` to the parent, whose own policy then applies.
* A child that fails to become ready (it raised, or ``start_timeout``
  passed) has crashed; it is retried under the same rules before the next
  child starts, so a child never starts before the ones it depends on.
* A finished child (temporary, or transient after a normal exit) is not
  restarted in later group restarts either.

Two trio-specific choices:

* Each child runs in a **shielded** cancel scope that only its supervisor
  cancels. When the supervisor itself is cancelled (a parent's restart, the
  daemon's SIGTERM) its children are therefore stopped one at a time in
  reverse start order, never all at once in whatever order the scheduler
  picks: the journal outlives everything that writes to it.
* A backoff delay is waited out by a timer task, not by the supervisor's own
  loop, so one broker session waiting 30 s to reconnect never delays the
  restart of its siblings. A delayed group is marked pending; a later group
  restart that covers it takes it over, so dependency order still holds.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any, Final, final

import structlog
import trio

from ._classify import is_transient
from ._context import ActorContext, enter_context
from ._events import (
    ActorCrashed,
    ActorEvent,
    ActorRestarting,
    ActorStarted,
    ActorStopped,
    SupervisorEscalated,
    SupervisorGaveUpEvent,
)
from ._mailbox import Mailbox
from ._registry import ActorEntry, ActorStatus
from ._spec import ChildSpec, Restart, Strategy, SupervisorSpec
from ._system import System
from .errors import SupervisorGaveUp

__all__ = ["run_supervisor"]

log = structlog.get_logger("runtime.supervisor")


class _Normal:
    """The outcome of an incarnation that returned."""


_NORMAL: Final = _Normal()
Outcome = BaseException | _Normal


@final
class _RestartDue:
    """A timer's note that the pending group with ``token`` may start now."""

    __slots__ = ("members", "token")

    def __init__(self, members: list[_Child], token: int) -> None:
        self.members = members
        self.token = token


class _GiveUp(Exception):
    def __init__(self, last_error: str) -> None:
        self.last_error = last_error


@final
class _Ready:
    """The ``task_status`` handed to a child: tells the supervisor it is ready."""

    __slots__ = ("error", "event", "ok")

    def __init__(self) -> None:
        self.event = trio.Event()
        self.ok = False
        self.error: Outcome | None = None

    def started(self, value: Any = None) -> None:
        if self.event.is_set():
            raise RuntimeError("task_status.started() called twice")
        self.ok = True
        self.event.set()

    def fail(self, error: Outcome) -> None:
        if not self.event.is_set():
            self.error = error
            self.event.set()


@final
class _Child:
    """The supervisor's running state for one child spec."""

    __slots__ = (
        "attempt",
        "done",
        "entry",
        "finished",
        "index",
        "pending",
        "ready",
        "scope",
        "spec",
        "started_at",
        "stopping",
    )

    def __init__(self, index: int, spec: ChildSpec | SupervisorSpec, entry: ActorEntry) -> None:
        self.index = index
        self.spec = spec
        self.entry = entry
        self.scope: trio.CancelScope | None = None
        self.done: trio.Event | None = None
        self.ready: _Ready | None = None
        self.stopping = False
        self.finished = False
        self.started_at = 0.0
        self.attempt = 0
        self.pending = 0  # token of the delayed restart this child waits for, 0 if none

    @property
    def running(self) -> bool:
        return self.done is not None and not self.done.is_set() and not self.stopping

    @property
    def alive(self) -> bool:
        """Running, or due to run again after a backoff: part of any group restart."""
        return self.running or self.pending != 0

    @property
    def name(self) -> str:
        return self.spec.name


async def run_supervisor(
    spec: SupervisorSpec, system: System, parent: str, task_status: Any = trio.TASK_STATUS_IGNORED
) -> None:
    """Run ``spec``'s subtree until cancelled; raise SupervisorGaveUp when it gives up."""
    await _Supervisor(spec, system, parent).run(task_status)


@final
class _Supervisor:
    def __init__(self, spec: SupervisorSpec, system: System, parent: str) -> None:
        self.spec = spec
        self.system = system
        self.parent = parent
        self.children = [
            _Child(i, child, system.registry.entry(child.name))
            for i, child in enumerate(spec.children)
        ]
        self.restart_times: deque[float] = deque()
        self.rng = system.rng(spec.name, "backoff")
        self.events_send, self.events = trio.open_memory_channel[
            tuple[_Child, int, Outcome] | _RestartDue
        ](math.inf)
        self.nursery: trio.Nursery | None = None
        self.tokens = 0

    # -- the main loop ---------------------------------------------------------

    async def run(self, task_status: Any) -> None:
        gave_up: _GiveUp | None = None
        async with trio.open_nursery() as nursery:
            self.nursery = nursery
            try:
                for child in self.children:
                    await self._bring_up(child)
                task_status.started()
                async for event in self.events:
                    if isinstance(event, _RestartDue):
                        await self._restart_due(event)
                        continue
                    child, incarnation, outcome = event
                    if incarnation == child.entry.incarnation and not child.stopping:
                        await self._handle_exit(child, outcome)
            except _GiveUp as exc:
                gave_up = exc
            finally:
                await self._stop_all("supervisor gave up" if gave_up else "supervisor stopping")
        if gave_up is not None:
            self._publish(
                SupervisorGaveUpEvent(
                    actor=self.spec.name,
                    supervisor=self.parent,
                    ts=self.system.clock.time(),
                    restarts=self.spec.intensity,
                    period=self.spec.period,
                    last_error=gave_up.last_error,
                )
            )
            self._publish(
                SupervisorEscalated(
                    actor=self.spec.name,
                    supervisor=self.parent,
                    ts=self.system.clock.time(),
                    parent=self.parent,
                )
            )
            log.error(
                "supervisor gave up",
                supervisor=self.spec.name,
                intensity=self.spec.intensity,
                period=self.spec.period,
                last_error=gave_up.last_error,
            )
            raise SupervisorGaveUp(
                self.spec.name, self.spec.intensity, self.spec.period, gave_up.last_error
            )

    async def _handle_exit(self, child: _Child, outcome: Outcome) -> None:
        self._report_exit(child, outcome)
        if self._finish_if_done(child, outcome):
            return
        group = self._group(child)
        delay = self._count_restart(child, outcome)  # may give up
        for sibling in reversed(group):
            if sibling is not child:
                await self._stop(sibling, f"restarting with {child.name} ({self.spec.strategy})")
        for member in group:
            if member is not child and member.spec.restart is Restart.TEMPORARY:
                self._finish(member)
        members = [m for m in group if not m.finished]
        self._announce_restart(child, _describe(outcome), delay)
        for member in members:
            if member is not child:
                self._announce_restart(member, f"group restart after {child.name} failed", delay)
        await self._restart(members, delay)

    async def _restart(self, members: list[_Child], delay: float) -> None:
        """Start ``members`` in order now, or after ``delay`` without blocking the loop."""
        if delay <= 0:
            await self._bring_up_group(members)
            return
        assert self.nursery is not None
        self.tokens += 1
        for member in members:
            member.pending = self.tokens
        self.nursery.start_soon(self._timer, _RestartDue(members, self.tokens), delay)

    async def _timer(self, due: _RestartDue, delay: float) -> None:
        await trio.sleep(delay)
        self.events_send.send_nowait(due)

    async def _restart_due(self, due: _RestartDue) -> None:
        # members taken over by a later group restart carry its token instead
        members = [m for m in due.members if m.pending == due.token and not m.finished]
        for member in members:
            member.pending = 0
        await self._bring_up_group(members)

    async def _bring_up_group(self, members: list[_Child]) -> None:
        """Start ``members`` in order; a failed start delays it and those after it."""
        for i, member in enumerate(members):
            error = await self._start(member)
            if error is None:
                continue
            self._report_exit(member, error)
            if self._finish_if_done(member, error):
                continue
            delay = self._count_restart(member, error)
            rest = [m for m in members[i:] if not m.finished]
            self._announce_restart(member, _describe(error), delay)
            await self._restart(rest, delay)
            return

    # -- starting -------------------------------------------------------------------

    async def _bring_up(self, child: _Child) -> None:
        """First start of ``child``: retried in place, so later children wait for it."""
        while True:
            error = await self._start(child)
            if error is None:
                return
            self._report_exit(child, error)
            if self._finish_if_done(child, error):
                return
            delay = self._count_restart(child, error)
            self._announce_restart(child, _describe(error), delay)
            await trio.sleep(delay)

    async def _start(self, child: _Child) -> Outcome | None:
        """Start one incarnation; the failure if it did not become ready."""
        assert self.nursery is not None
        entry = child.entry
        entry.incarnation += 1
        entry.status = ActorStatus.STARTING
        child.pending = 0
        child.scope = trio.CancelScope(shield=True)  # only this supervisor stops it
        child.done = trio.Event()
        child.ready = _Ready()
        child.stopping = False
        self.nursery.start_soon(
            self._runner,
            child,
            entry.incarnation,
            child.scope,
            child.done,
            child.ready,
            name=f"actor {child.name}",  # what trio's task tree and profilers show
        )
        with trio.move_on_after(child.spec.start_timeout) as waited:
            await child.ready.event.wait()
        if waited.cancelled_caught:
            await self._stop(child, "did not become ready in time")
            return trio.TooSlowError(
                f"{child.name} did not become ready within {child.spec.start_timeout:g} s"
            )
        if not child.ready.ok:
            assert child.ready.error is not None
            return child.ready.error
        child.started_at = trio.current_time()
        entry.status = ActorStatus.RUNNING
        log.info("actor started", child=child.name, incarnation=entry.incarnation)
        self._publish(
            ActorStarted(
                actor=child.name,
                supervisor=self.spec.name,
                ts=self.system.clock.time(),
                incarnation=entry.incarnation,
            )
        )
        return None

    async def _runner(
        self,
        child: _Child,
        incarnation: int,
        scope: trio.CancelScope,
        done: trio.Event,
        ready: _Ready,
    ) -> None:
        structlog.contextvars.bind_contextvars(actor=child.name, incarnation=incarnation)
        outcome: Outcome = _NORMAL
        try:
            with scope:
                try:
                    spec = child.spec
                    if isinstance(spec, SupervisorSpec):
                        await run_supervisor(spec, self.system, self.spec.name, ready)
                    else:
                        ctx = self._context(child, spec, incarnation)
                        enter_context(ctx)
                        await spec.actor(ctx, ready)
                except Exception as exc:
                    outcome = exc
                except BaseExceptionGroup as group:
                    outcome = _crash_amid_cancellation(group)
        finally:
            done.set()
            mailbox = child.entry.mailbox
            if mailbox is not None and child.entry.incarnation == incarnation:
                child.entry.fail_pending(f"incarnation {incarnation} ended")
        if child.stopping or scope.cancelled_caught:
            ready.fail(_NORMAL)
            return
        if not ready.ok:
            ready.fail(
                outcome
                if isinstance(outcome, BaseException)
                else RuntimeError(f"{child.name} returned before it was ready")
            )
            return
        self.events_send.send_nowait((child, incarnation, outcome))

    def _context(self, child: _Child, spec: ChildSpec, incarnation: int) -> ActorContext:
        mailbox = child.entry.mailbox
        assert isinstance(mailbox, Mailbox)
        if mailbox.closed:
            mailbox.reopen()  # a retired child started again by a restart of this supervisor
        return ActorContext(
            name=spec.name,
            supervisor=self.spec.name,
            incarnation=incarnation,
            mailbox=mailbox.open_reader(),
            registry=self.system.registry,
            clock=self.system.clock,
            rng=self.system.rng(spec.name, incarnation),
            log=structlog.get_logger(spec.name).bind(actor=spec.name, incarnation=incarnation),
        )

    # -- stopping -----------------------------------------------------------------------

    async def _stop(self, child: _Child, reason: str) -> None:
        """Cancel one incarnation and wait for it, at most its shutdown timeout."""
        if child.done is None or child.done.is_set() or child.stopping:
            return
        assert child.scope is not None
        child.stopping = True
        child.entry.status = ActorStatus.STOPPING
        child.scope.cancel(reason=reason)
        with trio.move_on_after(child.spec.shutdown_timeout, shield=True) as waited:
            await child.done.wait()
        overran = waited.cancelled_caught
        if overran:
            log.error(
                "actor overran its shutdown timeout; abandoning the incarnation",
                child=child.name,
                shutdown_timeout=child.spec.shutdown_timeout,
            )
        mailbox = child.entry.mailbox
        if mailbox is not None:
            mailbox.open_reader()  # revokes the stopped incarnation's reader
        child.entry.fail_pending(f"stopped: {reason}")
        child.entry.status = ActorStatus.STOPPED
        self._publish(
            ActorStopped(
                actor=child.name,
                supervisor=self.spec.name,
                ts=self.system.clock.time(),
                incarnation=child.entry.incarnation,
                reason=reason,
                overran_shutdown=overran,
            )
        )

    async def _stop_all(self, reason: str) -> None:
        for child in reversed(self.children):
            child.pending = 0
            await self._stop(child, reason)

    # -- policy ----------------------------------------------------------------------------

    def _group(self, failed: _Child) -> list[_Child]:
        strategy = self.spec.strategy
        if strategy is Strategy.ONE_FOR_ONE:
            return [failed]
        if strategy is Strategy.ONE_FOR_ALL:
            return [c for c in self.children if c is failed or c.alive]
        return [failed] + [c for c in self.children[failed.index + 1 :] if c.alive]

    def _finish_if_done(self, child: _Child, outcome: Outcome) -> bool:
        """Retire a child that is not to be restarted; True if it was retired."""
        restart = child.spec.restart
        normal = isinstance(outcome, _Normal)
        if restart is Restart.TEMPORARY or (restart is Restart.TRANSIENT and normal):
            self._finish(child)
            return True
        return False

    def _finish(self, child: _Child) -> None:
        child.finished = True
        child.pending = 0
        child.entry.status = ActorStatus.STOPPED
        self.system.close_subtree(child.spec)

    def _count_restart(self, child: _Child, outcome: Outcome) -> float:
        """Apply intensity or backoff to a coming restart; the delay to wait."""
        now = trio.current_time()
        if isinstance(outcome, BaseException) and is_transient(outcome):
            if now - child.started_at >= self.spec.backoff.reset_after:
                child.attempt = 0
            delay = self.spec.backoff.delay(child.attempt, self.rng)
            child.attempt += 1
            return delay
        times = self.restart_times
        times.append(now)
        while times and times[0] < now - self.spec.period:
            times.popleft()
        if len(times) > self.spec.intensity:
            raise _GiveUp(f"{child.name}: {_describe(outcome)}")
        return 0.0

    # -- events -----------------------------------------------------------------------------

    def _report_exit(self, child: _Child, outcome: Outcome) -> None:
        entry = child.entry
        now = self.system.clock.time()
        if isinstance(outcome, _Normal):
            entry.status = ActorStatus.STOPPED
            self._publish(
                ActorStopped(
                    actor=child.name,
                    supervisor=self.spec.name,
                    ts=now,
                    incarnation=entry.incarnation,
                    reason="returned",
                )
            )
            log.info("actor returned", child=child.name, incarnation=entry.incarnation)
            return
        transient = is_transient(outcome)
        entry.status = ActorStatus.FAILED
        entry.last_error = _describe(outcome)
        self._publish(
            ActorCrashed(
                actor=child.name,
                supervisor=self.spec.name,
                ts=now,
                incarnation=entry.incarnation,
                error_type=type(outcome).__name__,
                error=str(outcome),
                transient=transient,
            )
        )
        log.warning(
            "actor crashed",
            child=child.name,
            incarnation=entry.incarnation,
            transient=transient,
            error=entry.last_error,
            exc_info=outcome,
        )

    def _announce_restart(self, child: _Child, cause: str, delay: float) -> None:
        child.entry.restarts += 1
        child.entry.status = ActorStatus.RESTARTING
        self._publish(
            ActorRestarting(
                actor=child.name,
                supervisor=self.spec.name,
                ts=self.system.clock.time(),
                attempt=child.entry.restarts,
                delay=delay,
                cause=cause,
            )
        )

    def _publish(self, event: ActorEvent) -> None:
        self.system.registry.publish_nowait(event)


def _describe(outcome: Outcome) -> str:
    if isinstance(outcome, _Normal):
        return "returned normally"
    return f"{type(outcome).__name__}: {outcome}"


def _crash_amid_cancellation(group: BaseExceptionGroup[BaseException]) -> Exception:
    """The real error of an actor that crashed while it was being cancelled.

    An actor running its own nursery can fail in one task while another is
    being cancelled (its supervisor stopping it); trio then raises a group
    mixing ``Cancelled`` with the error, which ``except Exception`` does not
    catch. The error is the crash; the cancellation still propagates, so the
    scope that asked for it absorbs it as usual.
    """
    cancelled, rest = group.split(trio.Cancelled)
    if rest is None:
        raise group
    errors, other = rest.split(Exception)
    if other is not None or errors is None:
        raise group
    if cancelled is not None:
        raise cancelled
    return errors.exceptions[0] if len(errors.exceptions) == 1 else errors
