"""Random trees under random failure schedules, against a model of the OTP rules.

Each example builds a random two-level tree (random strategies, intensities,
periods and restart types), runs it in virtual time, and fails leaves at
random moments: crashes, transient errors (zero backoff here, so they are
instant and uncounted) and normal exits. Each failure is sent together with
two numbered notes that wait in the mailbox behind it.

An independent model of the rules predicts, event by event, every leaf's
number of starts, which supervisors give up (and in which order), whether the
root gives up, which mailboxes are closed, and which notes every leaf must
eventually read. The run must match it, and a final shutdown must stop the
running leaves in exactly the reverse of their start order. Hypothesis
shrinks a failing schedule to a minimal tree and event list.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass, field

import trio
import trio.testing
from hypothesis import given
from hypothesis import strategies as st

from runtime import (
    Backoff,
    ChildSpec,
    Restart,
    Strategy,
    Subscribe,
    SupervisorGaveUpEvent,
    SupervisorSpec,
    open_tree,
)
from runtime.errors import ActorUnavailable, SupervisorGaveUp

from ._actors import Crash, Exit, Lifelog, Note, worker

NO_BACKOFF = Backoff(initial=0.0, multiplier=1.0, max=0.0, jitter=0.0)


@dataclass(eq=False)
class Node:
    name: str
    restart: Restart
    children: list[Node] | None = None  # None: a leaf
    strategy: Strategy = Strategy.ONE_FOR_ONE
    intensity: int = 0
    period: float = 1.0
    parent: Node | None = None
    # model state
    finished: bool = False
    starts: int = 0
    times: deque[float] = field(default_factory=deque)
    notes: list[int] = field(default_factory=list)

    def leaves(self) -> list[Node]:
        if self.children is None:
            return [self]
        return [leaf for child in self.children for leaf in child.leaves()]

    def spec(self, log: Lifelog) -> ChildSpec | SupervisorSpec:
        if self.children is None:
            return ChildSpec(name=self.name, actor=worker(log), restart=self.restart)
        return SupervisorSpec(
            name=self.name,
            strategy=self.strategy,
            intensity=self.intensity,
            period=self.period,
            backoff=NO_BACKOFF,
            restart=self.restart,
            children=tuple(child.spec(log) for child in self.children),
        )


@st.composite
def trees(draw: st.DrawFn) -> Node:
    names = itertools.count()

    def supervisor(name: str, depth: int) -> Node:
        children: list[Node] = []
        for _ in range(draw(st.integers(1, 4 if depth == 0 else 3))):
            if depth == 0 and draw(st.integers(0, 3)) == 0:
                children.append(supervisor(f"s{next(names)}", 1))
            else:
                restart = draw(st.sampled_from(Restart))
                children.append(Node(f"w{next(names)}", restart))
        node = Node(
            name,
            Restart.PERMANENT if depth == 0 else draw(st.sampled_from(Restart)),
            children=children,
            strategy=draw(st.sampled_from(Strategy)),
            intensity=draw(st.integers(0, 3)),
            period=draw(st.sampled_from([1.0, 2.5, 5.0])),
        )
        for child in children:
            child.parent = node
        return node

    return supervisor("root", 0)


Event = tuple[float, int, str]  # (wait before, leaf index, crash|transient|exit)
events = st.lists(
    st.tuples(
        st.sampled_from([0.5, 1.0, 2.0]),
        st.integers(0, 15),
        st.sampled_from(["crash", "transient", "exit"]),
    ),
    max_size=12,
)


def _retired(leaf: Node) -> bool:
    """The leaf or a supervisor above it is finished: its mailbox is closed."""
    node: Node | None = leaf
    while node is not None:
        if node.finished:
            return True
        node = node.parent
    return False


class Model:
    """The restart rules, written independently of the supervisor's code."""

    def __init__(self, root: Node) -> None:
        self.root = root
        self.dead = False
        self.gave_up: list[str] = []
        self.start(root)

    def start(self, node: Node) -> None:
        node.finished = False
        if node.children is None:
            node.starts += 1
            return
        node.times.clear()
        for child in node.children:
            self.start(child)

    def closed(self, leaf: Node) -> bool:
        return _retired(leaf)

    def ended(self, node: Node, outcome: str, now: float) -> None:
        sup = node.parent
        if sup is None:
            self.dead = True
            return
        if node.restart is Restart.TEMPORARY or (
            node.restart is Restart.TRANSIENT and outcome == "exit"
        ):
            node.finished = True
            return
        if outcome != "transient":
            sup.times.append(now)
            while sup.times and sup.times[0] < now - sup.period:
                sup.times.popleft()
            if len(sup.times) > sup.intensity:
                self.gave_up.append(sup.name)
                self.ended(sup, "gave_up", now)
                return
        assert sup.children is not None
        if sup.strategy is Strategy.ONE_FOR_ONE:
            group = [node]
        elif sup.strategy is Strategy.ONE_FOR_ALL:
            group = [c for c in sup.children if c is node or not c.finished]
        else:
            later = sup.children[sup.children.index(node) + 1 :]
            group = [node] + [c for c in later if not c.finished]
        for member in group:
            if member is not node and member.restart is Restart.TEMPORARY:
                member.finished = True
        for member in group:
            if not member.finished:
                self.start(member)


async def _run(root: Node, schedule: list[Event], log: Lifelog) -> tuple[bool, list[str]]:
    """Drive the real tree through the schedule, checking the model after every event."""
    model = Model(root)
    leaves = root.leaves()
    spec = root.spec(log)
    assert isinstance(spec, SupervisorSpec)
    gave_up: list[str] = []
    notes = itertools.count()
    try:
        async with open_tree(spec) as tree:
            probe = tree.inbox("probe", Subscribe(SupervisorGaveUpEvent))
            for wait, index, kind in schedule:
                await trio.sleep(wait)
                leaf = leaves[index % len(leaves)]
                failure = Exit() if kind == "exit" else Crash(transient=kind == "transient")
                ref = tree.ref(leaf.name)
                try:
                    ref.tell_nowait(failure)
                except ActorUnavailable:
                    assert model.closed(leaf), f"{leaf.name}'s mailbox closed unexpectedly"
                    continue
                assert not model.closed(leaf), f"{leaf.name}'s mailbox should be closed"
                batch = [next(notes), next(notes)]
                for n in batch:
                    ref.tell_nowait(Note(n=n))
                model.ended(leaf, kind, trio.current_time())
                if not model.dead and not model.closed(leaf):
                    leaf.notes.extend(batch)
                await trio.testing.wait_all_tasks_blocked()
                while True:
                    try:
                        gave_up.append(probe.receive_nowait().actor)
                    except trio.WouldBlock:
                        break
                assert gave_up == model.gave_up
                if model.dead:
                    await trio.sleep_forever()  # the root gave up: open_tree will raise
                for each in leaves:
                    assert log.starts(each.name) == each.starts, f"starts of {each.name}"
    except SupervisorGaveUp:
        assert model.dead, "the root gave up but the model says it should not"
        return True, gave_up
    assert not model.dead, "the model says the root gives up"
    return False, gave_up


@given(root=trees(), schedule=events)
def test_random_failure_schedules_follow_the_restart_rules(
    root: Node, schedule: list[Event]
) -> None:
    log = Lifelog()
    dead, _ = trio.run(
        _run, root, schedule, log, clock=trio.testing.MockClock(autojump_threshold=0)
    )
    for leaf in root.leaves():
        # no buffered note lost, none read twice
        if not leaf.finished and not dead:
            assert log.notes[leaf.name] == leaf.notes, f"notes of {leaf.name}"
        assert len(set(log.notes[leaf.name])) == len(log.notes[leaf.name])
    if not dead:
        # the final shutdown stops the running leaves in reverse order of the specs
        running = [leaf.name for leaf in root.leaves() if not _retired(leaf)]
        stops = [name for _, name in log.events("stop")]
        assert stops[len(stops) - len(running) :] == running[::-1]
