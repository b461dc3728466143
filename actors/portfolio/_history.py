"""Rebuilding the books from a snapshot and the journal records after it.

A start-up used to replay every fill ever journaled; after a long run that
is most of the start. The journal keeps a named snapshot (every account's
:class:`LedgerSnapshot`) that summarises exactly the records up to its seq,
so a rebuild is: restore the snapshot, replay the records after it.

Two rules keep a snapshot honest:

* it is only ever taken of books that were **rebuilt from the journal** up
  to a known seq (a start's rebuild, or a shadow rebuild for
  :func:`compact`), never of the live books, which may hold a fill the
  journal does not have yet or miss one it has;
* its seq is the end of what was read (``History.seq``), so it is never
  ahead of the records it summarises.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Final

import msgspec
import trio

from actors.messages import LedgerSnapshot

from ._accounts import Accounts, Record

__all__ = ["History", "LoadHistory", "SaveSnapshot", "compact", "replay", "snapshots"]

_REPLAY_YIELD: Final = 512  # records replayed between checkpoints


class History(msgspec.Struct, frozen=True, kw_only=True):
    """What the journal holds for the books: a snapshot and the records after it.

    ``ledgers`` is the snapshot (empty when there is none); ``records`` the
    ``AccountOpened`` and ``Fill`` records after it in journal order; ``seq``
    the journal seq that the snapshot plus the records summarise (every
    record up to it was read).
    """

    records: Sequence[Record]
    ledgers: tuple[LedgerSnapshot, ...] = ()
    seq: int = 0


LoadHistory = Callable[[], Awaitable[History]]
SaveSnapshot = Callable[[tuple[LedgerSnapshot, ...], int], Awaitable[None]]
"""Keep ``ledgers`` as the books after journal record ``seq``."""


async def replay(accounts: Accounts, history: History) -> None:
    """Restore the snapshot into ``accounts``, then book the records after it."""
    for ledger in history.ledgers:
        accounts.apply(ledger)
    for n, record in enumerate(history.records, 1):
        accounts.apply(record)
        if n % _REPLAY_YIELD == 0:
            await trio.lowlevel.checkpoint()


async def compact(
    load: LoadHistory, save: SaveSnapshot, fresh: Callable[[], Accounts], ts: float
) -> int | None:
    """Fold the records after the latest snapshot into a new one, from the journal alone.

    The books are rebuilt in a shadow (``fresh()``), never taken from the
    live ones. Returns the new snapshot's seq, None when nothing was new.
    """
    history = await load()
    if not history.records:
        return None
    shadow = fresh()
    await replay(shadow, history)
    await save(snapshots(shadow, ts), history.seq)
    return history.seq


def snapshots(accounts: Accounts, ts: float) -> tuple[LedgerSnapshot, ...]:
    return tuple(ledger.snapshot(ts) for ledger in accounts.ledgers.values())
