"""Crash any actor of a tree on demand, from inside its own task.

:func:`wrap_tree` wraps every leaf actor of a spec: the wrapped actor runs
the real one beside a watcher, and :meth:`CrashSwitch.crash` makes the
watcher raise :class:`InjectedCrash` in that incarnation's task. The real
actor is then torn down exactly as by any exception of its own, and its
supervisor sees the crash and restarts it by its policy. Nothing in the
production tree knows about the switch.
"""

from __future__ import annotations

import dataclasses

import trio

from runtime import Actor, ActorContext, ChildSpec, Strategy, SupervisorSpec, TaskStatus

__all__ = ["CrashSwitch", "InjectedCrash", "children_after", "leaf_names", "wrap_tree"]


class InjectedCrash(RuntimeError):
    """The fault a chaos schedule injected into an actor."""


class CrashSwitch:
    """One trigger per actor name, re-armed by every incarnation."""

    def __init__(self) -> None:
        self._armed: dict[str, trio.Event] = {}

    def arm(self, name: str) -> trio.Event:
        event = self._armed[name] = trio.Event()
        return event

    def crash(self, name: str) -> bool:
        """Crash the running incarnation of ``name``; False when none is running."""
        event = self._armed.get(name)
        if event is None or event.is_set():
            return False
        event.set()
        return True

    def wrap(self, name: str, actor: Actor) -> Actor:
        async def run(ctx: ActorContext, task_status: TaskStatus) -> None:
            trigger = self.arm(name)

            async def watch() -> None:
                await trigger.wait()
                raise InjectedCrash(f"{name}: crash injected by the fault schedule")

            async with trio.open_nursery() as nursery:
                nursery.start_soon(watch)
                await actor(ctx, task_status)
                nursery.cancel_scope.cancel()

        return run


def wrap_tree(spec: SupervisorSpec, switch: CrashSwitch) -> SupervisorSpec:
    children = tuple(
        wrap_tree(child, switch)
        if isinstance(child, SupervisorSpec)
        else dataclasses.replace(child, actor=switch.wrap(child.name, child.actor))
        for child in spec.children
    )
    return dataclasses.replace(spec, children=children)


def leaf_names(spec: SupervisorSpec | ChildSpec) -> set[str]:
    """Every name under ``spec`` (itself included)."""
    if isinstance(spec, ChildSpec):
        return {spec.name}
    names = {spec.name}
    for child in spec.children:
        names |= leaf_names(child)
    return names


def children_after(spec: SupervisorSpec, name: str) -> set[str]:
    """The names a crash of ``name`` may restart besides its own subtree.

    Under a ``rest_for_one`` supervisor that is every later sibling and all
    below it; under ``one_for_all``, every sibling; under ``one_for_one``,
    nothing. Searched through the whole spec.
    """
    for index, child in enumerate(spec.children):
        if child.name == name:
            if spec.strategy is Strategy.REST_FOR_ONE:
                later = spec.children[index + 1 :]
            elif spec.strategy is Strategy.ONE_FOR_ALL:
                later = spec.children[:index] + spec.children[index + 1 :]
            else:
                later = ()
            found: set[str] = set()
            for sibling in later:
                found |= leaf_names(sibling)
            return found
        if isinstance(child, SupervisorSpec) and name in leaf_names(child):
            return children_after(child, name)
    return set()
