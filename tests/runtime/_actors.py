"""Test actors for the kernel's own tests: real actors that record their lives.

A :class:`Lifelog` collects ``(virtual time, event, name, incarnation)``
entries for starts and stops, so tests assert on the order and timing of
what the supervisor actually did. A worker obeys :class:`Crash` and
:class:`Exit` messages and records every :class:`Note` it receives.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import trio

from runtime import Actor, ActorContext, Message, Request, TaskStatus


class Note(Message, frozen=True, tag="note"):
    n: int


class Crash(Message, frozen=True, tag="crash"):
    """Raise on receipt: ``OSError`` when ``transient``, else ``RuntimeError``."""

    transient: bool = False


class Exit(Message, frozen=True, tag="exit"):
    """Return normally on receipt."""


class Query(Message, frozen=True, tag="query"):
    pass


@dataclass
class Lifelog:
    entries: list[tuple[float, str, str, int]] = field(default_factory=list)
    notes: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    def record(self, event: str, name: str, incarnation: int) -> None:
        self.entries.append((trio.current_time(), event, name, incarnation))

    def events(self, *kinds: str) -> list[tuple[str, str]]:
        return [(event, name) for _, event, name, _ in self.entries if event in kinds]

    def times(self, event: str, name: str) -> list[float]:
        return [t for t, e, n, _ in self.entries if e == event and n == name]

    def starts(self, name: str) -> int:
        return len(self.times("start", name))


def worker(log: Lifelog, *, fail_starts: int = 0, transient_start: bool = False) -> Actor:
    """A worker that obeys Crash/Exit, records Notes and answers Query with its notes.

    The first ``fail_starts`` incarnations raise before becoming ready.
    """

    async def run(ctx: ActorContext, task_status: TaskStatus) -> None:
        log.record("start", ctx.name, ctx.incarnation)
        try:
            if ctx.incarnation <= fail_starts:
                if transient_start:
                    raise ConnectionRefusedError(f"{ctx.name} cannot connect")
                raise RuntimeError(f"{ctx.name} failed to start")
            task_status.started()
            async for message in ctx.mailbox:
                if isinstance(message, Crash):
                    if message.transient:
                        raise OSError(f"{ctx.name} lost its connection")
                    raise RuntimeError(f"{ctx.name} crashed")
                if isinstance(message, Exit):
                    return
                if isinstance(message, Note):
                    log.notes[ctx.name].append(message.n)
                elif isinstance(message, Request) and isinstance(message.message, Query):
                    message.reply(tuple(log.notes[ctx.name]))
        finally:
            log.record("stop", ctx.name, ctx.incarnation)

    return run


def sleeper(log: Lifelog, *, ready_after: float = 0.0, cleanup: float = 0.0) -> Actor:
    """Becomes ready after ``ready_after`` s; its cleanup takes ``cleanup`` s (shielded)."""

    async def run(ctx: ActorContext, task_status: TaskStatus) -> None:
        log.record("start", ctx.name, ctx.incarnation)
        try:
            await trio.sleep(ready_after)
            task_status.started()
            await trio.sleep_forever()
        finally:
            with trio.CancelScope(shield=True):
                await trio.sleep(cleanup)
            log.record("stop", ctx.name, ctx.incarnation)

    return run
