"""Conflict policies, and the invariant: never long through one strategy, short through another."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from actors.messages import Side
from actors.risk import ConflictPolicy, resolve

PRIORITIES = {"a": 3, "b": 2, "c": 1}


def test_no_conflict_enters_in_full() -> None:
    r = resolve(
        "first_come",
        strategy="a",
        side=Side.BUY,
        quantity=D(5),
        positions={"b": D(3)},
        priorities=PRIORITIES,
    )
    assert (r.entry, r.closes, r.refusal) == (D(5), (), None)


def test_first_come_refuses_the_newcomer() -> None:
    r = resolve(
        "first_come",
        strategy="a",
        side=Side.SELL,
        quantity=D(5),
        positions={"b": D(3)},
        priorities=PRIORITIES,
    )
    assert r.entry == 0
    assert r.refusal is not None
    assert r.refusal.check == "conflict"
    assert "b (buy 3)" in r.refusal.reason


def test_priority_closes_lower_priority_holders_or_refuses() -> None:
    r = resolve(
        "priority",
        strategy="a",
        side=Side.SELL,
        quantity=D(5),
        positions={"b": D(3), "c": D(2)},
        priorities=PRIORITIES,
    )
    assert r.closes == (("b", D(3)), ("c", D(2)))
    assert r.entry == 5
    assert r.refusal is None
    low = resolve(
        "priority",
        strategy="c",
        side=Side.SELL,
        quantity=D(5),
        positions={"b": D(3)},
        priorities=PRIORITIES,
    )
    assert low.refusal is not None
    assert "priority 2 >= 1" in low.refusal.reason


def test_netting_closes_the_opposing_side_first() -> None:
    r = resolve(
        "netting",
        strategy="a",
        side=Side.BUY,
        quantity=D(4),
        positions={"b": D(-10)},
        priorities=PRIORITIES,
    )
    assert r.closes == (("b", D(4)),)
    assert r.entry == 0
    r = resolve(
        "netting",
        strategy="a",
        side=Side.BUY,
        quantity=D(15),
        positions={"b": D(-10), "c": D(-2)},
        priorities=PRIORITIES,
    )
    assert r.closes == (("b", D(10)), ("c", D(2)))
    assert r.entry == 3


def test_a_strategy_flips_by_exiting_its_own_position_first() -> None:
    r = resolve(
        "first_come",
        strategy="a",
        side=Side.SELL,
        quantity=D(5),
        positions={"a": D(7)},
        priorities=PRIORITIES,
    )
    assert (r.own_exit, r.entry) == (D(7), D(5))


signals = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c", "d"]),
        st.sampled_from([Side.BUY, Side.SELL]),
        st.integers(min_value=1, max_value=20),
    ),
    max_size=40,
)


@given(policy=st.sampled_from(["priority", "netting", "first_come"]), stream=signals)
def test_never_long_and_short_through_two_strategies(
    policy: ConflictPolicy, stream: list[tuple[str, Side, int]]
) -> None:
    """Any interleaving, each resolution filled at once: one direction per symbol."""
    positions: dict[str, D] = {}
    for strategy, side, quantity in stream:
        r = resolve(
            policy,
            strategy=strategy,
            side=side,
            quantity=D(quantity),
            positions=positions,
            priorities={"a": 2, "b": 2, "c": 1},
        )
        net_before = sum(positions.values(), D(0))
        positions[strategy] = positions.get(strategy, D(0)) + side.sign * r.own_exit
        for holder, amount in r.closes:
            assert amount <= abs(positions[holder])
            positions[holder] += side.sign * amount
        positions[strategy] = positions.get(strategy, D(0)) + side.sign * r.entry
        moved = r.own_exit + sum((a for _, a in r.closes), D(0)) + r.entry
        assert sum(positions.values(), D(0)) == net_before + side.sign * moved
        if policy == "netting" and r.refusal is None:
            assert moved - r.own_exit == quantity  # the account trades exactly the signal
        longs = {s for s, q in positions.items() if q > 0}
        shorts = {s for s, q in positions.items() if q < 0}
        assert not (longs and shorts), (longs, shorts)
