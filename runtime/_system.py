"""The services one actor tree shares: registry, clock, seed.

Building the system registers every actor of the tree and creates every
mailbox, with its declared subscriptions, before anything starts: a message
published by the first actor to start already reaches the mailbox of the last
one, and waits there until it is ready.
"""

from __future__ import annotations

import random
from typing import final

from ._clock import Clock
from ._mailbox import Mailbox
from ._registry import Registry
from ._spec import ChildSpec, SupervisorSpec

__all__ = ["System"]


@final
class System:
    def __init__(self, *, seed: int = 0, clock: Clock | None = None) -> None:
        """Must be made inside ``trio.run`` (the clock reads trio's time)."""
        self.seed = seed
        self.clock = Clock() if clock is None else clock
        self.registry = Registry()

    def rng(self, *parts: object) -> random.Random:
        """A generator seeded from the system seed and ``parts`` (e.g. name, incarnation).

        String seeds are hashed with SHA-512 by ``random``, independent of
        PYTHONHASHSEED, so the sequence is the same on every run.
        """
        return random.Random("/".join([str(self.seed), *map(str, parts)]))

    def install(self, spec: SupervisorSpec, parent: str = "") -> None:
        """Register ``spec``'s whole subtree: entries, mailboxes, subscriptions."""
        self.registry.register(spec.name, parent, None, kind="supervisor")
        for child in spec.children:
            if isinstance(child, SupervisorSpec):
                self.install(child, spec.name)
            else:
                self._install_worker(child, spec.name)

    def _install_worker(self, spec: ChildSpec, parent: str) -> None:
        mailbox = Mailbox(spec.name, spec.mailbox_capacity, batch=spec.mailbox_batch)
        self.registry.register(spec.name, parent, mailbox)
        for sub in spec.subscriptions:
            self.registry.subscribe(
                mailbox, sub.message_type, sub.policy, capacity=sub.capacity, key=sub.key
            )

    def close_subtree(self, spec: ChildSpec | SupervisorSpec) -> None:
        """Close the mailboxes of an actor (or subtree) that is not to run again.

        Senders then fail fast instead of waiting on a mailbox nobody reads.
        Subscriptions stay (publishers skip closed mailboxes), so that if a
        restart of the enclosing supervisor starts the actor again, its
        mailbox is simply reopened with everything it had subscribed to.
        """
        if isinstance(spec, SupervisorSpec):
            for child in spec.children:
                self.close_subtree(child)
            return
        mailbox = self.registry.entry(spec.name).mailbox
        if mailbox is not None:
            mailbox.close()
