"""Conflicting signals: one net position per symbol, never long and short at once.

The account holds one net position per symbol, split into the strategies'
sub-positions. When a strategy asks for the side opposite to what others
hold, a policy decides:

* ``first_come``: whoever holds the symbol keeps it; the newcomer is refused.
* ``priority``: a strictly higher priority closes the others' opposing
  positions and enters in full; otherwise the newcomer is refused.
* ``netting``: the newcomer's quantity first closes the others' opposing
  positions (largest first), and only the remainder opens its own; the
  account trades exactly the signal's quantity.

In every policy a strategy's own opposite position is closed first (its
exit always passes), so after the legs are filled no strategy is long while
another is short in the same symbol (the property the tests check).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Final, Literal

import msgspec

from actors.messages import Side

from ._limits import Refusal

__all__ = ["ConflictPolicy", "Resolution", "resolve"]

ConflictPolicy = Literal["priority", "netting", "first_come"]
ZERO: Final = Decimal(0)


class Resolution(msgspec.Struct, frozen=True, kw_only=True):
    """What to send for one signal: exits first, then the entry.

    ``own_exit`` closes the signalling strategy's opposite position;
    ``closes`` are (strategy, quantity) of other strategies' opposing
    positions to close; ``entry`` is the quantity left to open for the
    signalling strategy (zero when fully netted or refused).
    """

    own_exit: Decimal = ZERO
    closes: tuple[tuple[str, Decimal], ...] = ()
    entry: Decimal = ZERO
    refusal: Refusal | None = None


def resolve(
    policy: ConflictPolicy,
    *,
    strategy: str,
    side: Side,
    quantity: Decimal,
    positions: Mapping[str, Decimal],
    priorities: Mapping[str, int],
) -> Resolution:
    """Decide a ``side`` signal of ``quantity`` from ``strategy`` given ``positions``.

    ``positions`` are the strategies' signed positions in the symbol
    (including what their open entry orders would add).
    """
    own = positions.get(strategy, ZERO)
    own_exit = abs(own) if own * side.sign < 0 else ZERO
    opposing = sorted(
        ((name, abs(q)) for name, q in positions.items() if name != strategy and q * side.sign < 0),
        key=lambda item: (-item[1], item[0]),
    )
    if not opposing:
        return Resolution(own_exit=own_exit, entry=quantity)
    holders = ", ".join(f"{name} ({side.opposite} {q})" for name, q in opposing)
    if policy == "first_come":
        return Resolution(
            own_exit=own_exit,
            refusal=Refusal("conflict", f"{holders} already hold the other side (first come)"),
        )
    if policy == "priority":
        mine = priorities.get(strategy, 0)
        best = max(priorities.get(name, 0) for name, _ in opposing)
        if mine <= best:
            return Resolution(
                own_exit=own_exit,
                refusal=Refusal(
                    "conflict",
                    f"{holders} hold the other side with priority {best} >= {mine}",
                ),
            )
        return Resolution(own_exit=own_exit, closes=tuple(opposing), entry=quantity)
    left = quantity
    closes: list[tuple[str, Decimal]] = []
    for name, held in opposing:
        if left == 0:
            break
        take = min(held, left)
        closes.append((name, take))
        left -= take
    return Resolution(own_exit=own_exit, closes=tuple(closes), entry=left)
